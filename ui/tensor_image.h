#pragma once
// Tensors → QImages for the previews. Called on the worker thread.
#include <ATen/core/Tensor.h>

#include <QImage>

namespace diffscope::ui {

// (H, W, 3) uint8 → RGB image (deep copy).
QImage image_from_hwc(const at::Tensor& hwc_u8);

// Any QImage → (H, W, 3) uint8, RGB (the inverse of image_from_hwc).
at::Tensor hwc_from_image(const QImage& image);

// (B, 3, H, W) in [−1, 1] → the batch side by side, 2-pixel gaps.
QImage batch_image(const at::Tensor& images);

// Predicted noise (B, C, H, W), ~N(0, 1): ±3 maps to the full range; three
// channels as RGB, any other count as channel tiles.
QImage noise_image(const at::Tensor& eps);

// (B, C, H, W) → image 0's channels as tiles in a diverging colour map (blue <
// 0 < red, white at 0), each channel scaled by its own largest magnitude.
QImage channel_tiles(const at::Tensor& latents);

}  // namespace diffscope::ui
