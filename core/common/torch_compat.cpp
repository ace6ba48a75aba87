#include "core/common/torch_compat.h"

#include <ATen/ATen.h>

#include <cstdlib>

#include "core/common/errors.h"

namespace diffscope::torch_compat {

std::string version() { return TORCH_VERSION; }

bool use_fused_attention() {
  static const bool fused = [] {
    const char* asked = std::getenv("DIFFSCOPE_ATTENTION");
    return kHasFusedAttention && !(asked != nullptr && std::string(asked) == "unfused");
  }();
  return fused;
}

at::Tensor fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, mask.defined() ? std::optional<at::Tensor>(mask) : std::nullopt);
#else
  throw Error("this LibTorch (" + version() + ") has no fused attention");
#endif
}

}  // namespace diffscope::torch_compat
