#include "core/models/sdxl/sdxl_conditioning.h"

#include <ATen/ATen.h>

#include <string>

#include "core/common/errors.h"
#include "core/models/sd/sd_unet.h"

namespace diffscope::sdxl {

int64_t packed_rows(int64_t text_width, int64_t context_dim) { return (text_width + context_dim - 1) / context_dim; }

at::Tensor pack_conditioning(const at::Tensor& context, const at::Tensor& vector_text) {
  if (context.dim() != 3 || vector_text.dim() != 2 || vector_text.size(0) != context.size(0)) {
    throw Error("SDXL conditioning: the vector values do not match the token context");
  }
  const int64_t batch = context.size(0), width = context.size(2);
  const int64_t rows = packed_rows(vector_text.size(1), width);
  at::Tensor tail = at::zeros({batch, rows * width}, context.options());
  tail.narrow(1, 0, vector_text.size(1)).copy_(vector_text);
  return at::cat({context, tail.view({batch, rows, width})}, 1);
}

Conditioning unpack_conditioning(const at::Tensor& packed, int64_t text_width) {
  if (packed.dim() != 3) throw Error("SDXL conditioning: expected (batch, tokens + rows, width)");
  const int64_t rows = packed_rows(text_width, packed.size(2));
  if (packed.size(1) <= rows) throw Error("SDXL conditioning: no token rows before the vector values");
  const int64_t tokens = packed.size(1) - rows;
  const at::Tensor tail = packed.narrow(1, tokens, rows).reshape({packed.size(0), rows * packed.size(2)});
  return {packed.narrow(1, 0, tokens), tail.narrow(1, 0, text_width)};
}

at::Tensor fourier_embedding(const std::vector<double>& values) {
  const at::Tensor v = at::tensor(values, at::kDouble).to(at::kFloat);
  return sd::timestep_embedding(v, 256).reshape({1, static_cast<int64_t>(values.size()) * 256});
}

at::Tensor vector_conditioning(const at::Tensor& vector_text, const std::array<int64_t, 6>& sizes, bool refiner) {
  const int64_t batch = vector_text.size(0);
  const auto options = vector_text.options();
  if (!refiner) {
    const at::Tensor e = fourier_embedding(
        {double(sizes[0]), double(sizes[1]), double(sizes[2]), double(sizes[3]), double(sizes[4]), double(sizes[5])});
    return at::cat({vector_text, e.to(options).expand({batch, -1})}, 1);
  }
  const int64_t pooled = vector_text.size(1) - 1;
  const at::Tensor e = fourier_embedding({double(sizes[0]), double(sizes[1]), double(sizes[2]), double(sizes[3])});
  std::vector<at::Tensor> scores;
  for (int64_t b = 0; b < batch; ++b) {
    scores.push_back(fourier_embedding({vector_text[b][pooled].item<double>()}));
  }
  return at::cat({vector_text.narrow(1, 0, pooled), e.to(options).expand({batch, -1}), at::cat(scores).to(options)}, 1);
}

}  // namespace diffscope::sdxl
