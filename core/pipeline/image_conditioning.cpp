#include "core/pipeline/image_conditioning.h"

#include <ATen/ATen.h>

#include "core/common/image_range.h"

namespace diffscope {

at::Tensor inpainting_image_conditioning(ModelBundle& bundle, const StartImage* start, int width, int height,
                                         const std::vector<int64_t>& latent_shape, const c10::Device& device,
                                         double mask_weight) {
  const auto options = at::TensorOptions().device(device).dtype(at::kFloat);
  at::Tensor pixels = at::zeros({1, 3, height, width}, options);  // grey, in [−1, 1]
  at::Tensor mask = at::ones({1, 1, height, width}, options);
  if (start != nullptr) {
    pixels = images_to_model_range(start->model_rgb.unsqueeze(0)).to(device);
    // A1111 rounds the blurred mask for the model (its mask_round, on unless soft inpainting).
    if (start->mask) mask = start->mask->pixels.round().view({1, 1, height, width}).to(device, at::kFloat);
  }
  // A1111's lerp(image, image·(1 − mask), w); txt2img's grey image is 0 whatever w.
  const at::Tensor masked_latent = bundle.encode_image(pixels * (1.0 - mask_weight * mask)).to(device, at::kFloat);
  // torch's F.interpolate default ('nearest'): pixel ⌊i·H/h⌋ for latent row i.
  const at::Tensor latent_mask = at::upsample_nearest2d(mask, {latent_shape.at(1), latent_shape.at(2)});
  return at::cat({latent_mask, masked_latent}, 1);
}

}  // namespace diffscope
