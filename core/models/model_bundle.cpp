#include "core/models/model_bundle.h"

#include "core/common/errors.h"

namespace diffscope {

at::Tensor ModelBundle::encode_image(const at::Tensor&) {
  throw Error("the model '" + name() + "' cannot start from an image (it has no image encoder)");
}

at::Tensor ModelBundle::pad_conditioning(const at::Tensor& conditioning, int64_t tokens) {
  if (conditioning.dim() >= 2 && conditioning.size(1) == tokens) return conditioning;
  throw Error("the model '" + name() + "' cannot batch conditionings of different lengths");
}

void ModelBundle::set_loras(const std::vector<LoraUse>& loras, const CancelToken&) {
  if (!loras.empty())
    throw Error("the model '" + name() + "' takes no LoRA (they are for Stable Diffusion checkpoints)");
}

at::Tensor ModelBundle::training_image(int) {
  throw Error("the model '" + name() + "' has no training images to show");
}

}  // namespace diffscope
