#include "core/training/sample_grid.h"

#include <ATen/ATen.h>

#include "core/common/errors.h"

namespace diffscope::training {

at::Tensor make_grid(const at::Tensor& images, int64_t columns, int64_t gap) {
  if (images.dim() != 4 || images.size(3) != 3 || images.scalar_type() != at::kByte) {
    throw Error("make_grid needs (N, H, W, 3) uint8 images");
  }
  if (columns < 1) throw Error("make_grid needs at least one column");
  const int64_t count = images.size(0), height = images.size(1), width = images.size(2);
  const int64_t rows = (count + columns - 1) / columns;
  at::Tensor grid = at::full({rows * height + (rows - 1) * gap, columns * width + (columns - 1) * gap, 3}, 255,
                             images.options().device(at::kCPU));
  at::Tensor source = images.to(at::kCPU);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t top = i / columns * (height + gap), left = i % columns * (width + gap);
    grid.slice(0, top, top + height).slice(1, left, left + width).copy_(source[i]);
  }
  return grid;
}

}  // namespace diffscope::training
