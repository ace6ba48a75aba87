#include "core/models/sdxl/sdxl_conditioning.h"

#include <ATen/ATen.h>

#include <string>

#include "core/common/errors.h"
#include "core/models/sd/sd_unet.h"

namespace diffscope::sdxl {

at::Tensor pack_conditioning(const at::Tensor& context, const at::Tensor& pooled) {
  if (context.dim() != 3 || pooled.dim() != 2 || pooled.size(0) != context.size(0) ||
      pooled.size(1) > context.size(2)) {
    throw Error("SDXL conditioning: the pooled embedding does not fit the token context");
  }
  at::Tensor row = at::zeros({context.size(0), 1, context.size(2)}, context.options());
  row.narrow(2, 0, pooled.size(1)).copy_(pooled.unsqueeze(1));
  return at::cat({context, row}, 1);
}

Conditioning unpack_conditioning(const at::Tensor& packed, int64_t pooled_width) {
  if (packed.dim() != 3 || packed.size(1) < 2 || packed.size(2) < pooled_width) {
    throw Error("SDXL conditioning: expected (batch, tokens + 1, width), got " + std::to_string(packed.dim()) +
                " dimensions");
  }
  const int64_t tokens = packed.size(1) - 1;
  return {packed.narrow(1, 0, tokens), packed.select(1, tokens).narrow(1, 0, pooled_width)};
}

std::array<int64_t, 6> SizeConditioning::values(int64_t image_height, int64_t image_width) const {
  return {original_height > 0 ? original_height : image_height,
          original_width > 0 ? original_width : image_width,
          crop_top,
          crop_left,
          target_height > 0 ? target_height : image_height,
          target_width > 0 ? target_width : image_width};
}

at::Tensor size_embedding(const std::array<int64_t, 6>& values) {
  const at::Tensor sizes = at::tensor(std::vector<int64_t>(values.begin(), values.end()), at::kLong);
  return sd::timestep_embedding(sizes, 256).reshape({1, 6 * 256});
}

}  // namespace diffscope::sdxl
