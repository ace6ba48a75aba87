#pragma once
// Images laid out in a grid, for the trainer's progress samples and the model
// card's figure.
#include <ATen/core/Tensor.h>

namespace diffscope::training {

// (N, H, W, 3) uint8 → (rows·H + gaps, columns·W + gaps, 3) uint8 on white,
// `gap` pixels between cells; unused cells stay white.
at::Tensor make_grid(const at::Tensor& images, int64_t columns, int64_t gap = 2);

}  // namespace diffscope::training
