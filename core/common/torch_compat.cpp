#include "core/common/torch_compat.h"

#include <ATen/ATen.h>

#include <cstdlib>

#include "core/common/errors.h"

namespace diffscope::torch_compat {

std::string version() { return TORCH_VERSION; }

bool use_fused_attention(int64_t queries, int64_t keys) {
  enum class Forced { No, Fused, Unfused };
  static const Forced forced = [] {
    const char* asked = std::getenv("DIFFSCOPE_ATTENTION");
    const std::string name = asked != nullptr ? asked : "";
    return name == "fused" ? Forced::Fused : name == "unfused" ? Forced::Unfused : Forced::No;
  }();
  if (!kHasFusedAttention || forced == Forced::Unfused) return false;
  // Measured: 65,536 scores per head lose, 1,048,576 win; the line between.
  constexpr int64_t kFusedFromScores = int64_t(1) << 18;
  return forced == Forced::Fused || queries * keys >= kFusedFromScores;
}

at::Tensor fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, mask.defined() ? std::optional<at::Tensor>(mask) : std::nullopt);
#else
  throw Error("this LibTorch (" + version() + ") has no fused attention");
#endif
}

}  // namespace diffscope::torch_compat
