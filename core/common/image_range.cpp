#include "core/common/image_range.h"

#include <ATen/ATen.h>

namespace diffscope {

at::Tensor images_to_model_range(const at::Tensor& images) {
  return images.permute({0, 3, 1, 2}).to(at::kFloat).div(127.5).sub(1.0).contiguous();
}

at::Tensor model_range_to_images(const at::Tensor& samples) {
  return samples.to(at::kFloat)
      .add(1.0)
      .mul(127.5)
      .round()
      .clamp(0, 255)
      .to(at::kByte)
      .permute({0, 2, 3, 1})
      .contiguous();
}

}  // namespace diffscope
