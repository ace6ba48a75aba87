#pragma once
// Pillow's Image.resize, which AUTOMATIC1111 uses to bring a start image and
// its mask to the run's size, rebuilt on LibTorch so that core/ needs neither
// Pillow nor OpenCV. Pillow resamples each side separately: every output
// pixel is a weighted sum of the input pixels under it (Lanczos-3, or
// bicubic with a = −0.5), the filter widened by the scale when shrinking (an
// average, not aliasing), the weights normalised to sum to 1. Columns go
// first unless the height shrinks by more than twice what the width does
// (Pillow ≥ 10's order). For 8-bit images the weights are 22-bit fixed point
// and each pass rounds and clips to 0..255, as Pillow's, so a uint8 image
// comes out bit for bit as Pillow 13's; a float image is resampled in float64
// without rounding or clipping (Pillow's "F" images).
#include <ATen/core/Tensor.h>

namespace diffscope {

// The part of the input that is resampled, in input pixels (Pillow's `box`):
// x0, y0 inclusive, x1, y1 exclusive. A zero-wide side (x0 == x1) is allowed:
// every output pixel then weighs the few input pixels around that line.
struct ResizeBox {
  double x0, y0, x1, y1;
};

enum class PillowFilter { Lanczos, Bicubic };

// `image` (H, W, C) uint8 or floating, resized to (height, width, C) with
// Pillow's `filter` over `box`. Error when a size is not positive or the box
// leaves the image.
at::Tensor pillow_resize(const at::Tensor& image, int width, int height, PillowFilter filter, const ResizeBox& box);

// The whole image (Lanczos: what A1111 resizes start images with).
at::Tensor pillow_resize(const at::Tensor& image, int width, int height, PillowFilter filter = PillowFilter::Lanczos);

}  // namespace diffscope
