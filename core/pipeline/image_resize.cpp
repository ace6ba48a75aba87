#include "core/pipeline/image_resize.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/common/errors.h"

namespace diffscope {
namespace {

constexpr int kPrecisionBits = 22;  // Pillow's fixed point for 8-bit images: 32 − 8 − 2 bits
constexpr double kPi = 3.14159265358979323846;

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= kPi;
  return std::sin(x) / x;
}

// Pillow's truncated sinc: nonzero on [−3, 3).
double lanczos(double x) { return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0; }

// Pillow's bicubic convolution, a = −0.5: nonzero on (−2, 2).
double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// For each output sample along one side, the input samples it weighs and
// their weights: (out, taps) each, unused taps weighing 0 (their index
// clamped to the side). Pillow's precompute_coeffs, with its rounding of the
// bounds; `fixed_point` turns the weights into the 22-bit integers that its
// 8-bit passes multiply by.
struct Taps {
  at::Tensor index;   // int64
  at::Tensor weight;  // int32 with fixed_point, float64 otherwise
};

Taps side_taps(int64_t in_size, double in0, double in1, int64_t out_size, PillowFilter filter, bool fixed_point) {
  const bool is_lanczos = filter == PillowFilter::Lanczos;
  const double scale = (in1 - in0) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);  // shrinking widens the filter: an average, not aliasing
  const double support = (is_lanczos ? 3.0 : 2.0) * filter_scale;
  const int64_t count = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  std::vector<int64_t> index(static_cast<size_t>(out_size * count));
  std::vector<double> weight(index.size(), 0.0);
  for (int64_t out = 0; out < out_size; ++out) {
    const double center = in0 + (static_cast<double>(out) + 0.5) * scale;
    // C's truncation, as Pillow rounds the bounds (negative ones are clamped to 0 anyway).
    const int64_t first = std::max<int64_t>(static_cast<int>(center - support + 0.5), 0);
    const int64_t used = std::min<int64_t>(static_cast<int>(center + support + 0.5), in_size) - first;
    double* w = &weight[static_cast<size_t>(out * count)];
    double total = 0.0;
    for (int64_t k = 0; k < used; ++k) {
      const double x = (static_cast<double>(k + first) - center + 0.5) / filter_scale;
      w[k] = is_lanczos ? lanczos(x) : bicubic(x);
      total += w[k];
    }
    for (int64_t k = 0; k < count; ++k) {
      if (k < used && total != 0.0) w[k] /= total;
      if (fixed_point) w[k] = std::trunc(w[k] * (1 << kPrecisionBits) + (w[k] < 0 ? -0.5 : 0.5));
      index[static_cast<size_t>(out * count + k)] = std::min(first + k, in_size - 1);
    }
  }
  // Pillow's 8-bit passes multiply and add in int32; its float ones in float64.
  return {at::tensor(index, at::kLong).view({out_size, count}),
          at::tensor(weight, at::kDouble).view({out_size, count}).to(fixed_point ? at::kInt : at::kDouble)};
}

// One pass along `dim` of an (H, W, C) image: int32 for 8-bit images, with
// Pillow's rounding (add half, shift) and clipping, float64 otherwise. The
// resampled side is moved first, so that each tap gathers whole contiguous
// rows, and gathers at the output's size before widening, so that a large
// photo shrunk to a run's size never exists widened whole.
at::Tensor resample_side(const at::Tensor& image, int64_t dim, const Taps& taps, bool eight_bit) {
  const at::Tensor moved = image.movedim(dim, 0).contiguous();
  const at::ScalarType type = eight_bit ? at::kInt : at::kDouble;
  std::vector<int64_t> shape = moved.sizes().vec();
  shape[0] = taps.index.size(0);
  at::Tensor out = eight_bit ? at::full(shape, 1 << (kPrecisionBits - 1), at::kInt) : at::zeros(shape, at::kDouble);
  for (int64_t k = 0; k < taps.index.size(1); ++k) {
    out.addcmul_(moved.index_select(0, taps.index.select(1, k)).to(type), taps.weight.select(1, k).view({-1, 1, 1}));
  }
  if (eight_bit) out = out.bitwise_right_shift_(kPrecisionBits).clamp_(0, 255);  // an arithmetic shift, as C's
  return out.movedim(0, dim);
}

}  // namespace

at::Tensor pillow_resize(const at::Tensor& image, int width, int height, PillowFilter filter, const ResizeBox& box) {
  if (image.dim() != 3) throw Error("resize: expected an (H, W, C) image");
  const bool eight_bit = image.scalar_type() == at::kByte;
  if (!eight_bit && !at::isFloatingType(image.scalar_type())) throw Error("resize: expected 8-bit or float pixels");
  if (width <= 0 || height <= 0) {
    throw Error("resize: cannot resize to " + std::to_string(width) + "×" + std::to_string(height));
  }
  const int64_t in_width = image.size(1), in_height = image.size(0);
  if (box.x0 < 0 || box.y0 < 0 || box.x1 > double(in_width) || box.y1 > double(in_height) || box.x1 < box.x0 ||
      box.y1 < box.y0) {
    throw Error("resize: the box leaves the image");
  }
  // Pillow's tests for whether a side needs resampling at all, and its order.
  const bool columns = width != in_width || box.x0 != 0 || box.x1 != width;
  const bool rows = height != in_height || box.y0 != 0 || box.y1 != height;
  const bool columns_first = !(in_height - height > 0 && in_height - height > (in_width - width) * 2);
  const auto pass = [&](const at::Tensor& in, bool along_columns) {
    return along_columns
               ? resample_side(in, 1, side_taps(in_width, box.x0, box.x1, width, filter, eight_bit), eight_bit)
               : resample_side(in, 0, side_taps(in_height, box.y0, box.y1, height, filter, eight_bit), eight_bit);
  };
  at::Tensor out = image;
  for (const bool along_columns : {columns_first, !columns_first}) {
    if (along_columns ? columns : rows) out = pass(out, along_columns);
  }
  return out.to(image.scalar_type()).contiguous();
}

at::Tensor pillow_resize(const at::Tensor& image, int width, int height, PillowFilter filter) {
  if (image.dim() != 3) throw Error("resize: expected an (H, W, C) image");
  return pillow_resize(image, width, height, filter,
                       {0.0, 0.0, static_cast<double>(image.size(1)), static_cast<double>(image.size(0))});
}

}  // namespace diffscope
