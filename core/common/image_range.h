#pragma once
// The models' image range and 8-bit images: every model draws (N, 3, H, W)
// in [−1, 1]; files and the UI hold (N, H, W, 3) uint8.
#include <ATen/core/Tensor.h>

namespace diffscope {

// (N, H, W, 3) uint8 → (N, 3, H, W) float32 in [−1, 1], and back (rounded, clamped).
at::Tensor images_to_model_range(const at::Tensor& images);
at::Tensor model_range_to_images(const at::Tensor& samples);

}  // namespace diffscope
