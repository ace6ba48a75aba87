// The one place that differs between LibTorch 1.13 and 2.x: the fused
// attention computes the textbook formula (with and without a mask, in
// float32 and bfloat16) where LibTorch has it, and is refused where it has not.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/common/errors.h"
#include "core/common/torch_compat.h"

using namespace diffscope;

namespace {

at::Tensor plain_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
  at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(q.size(-1)));
  if (mask.defined()) scores = scores + mask;
  return at::matmul(at::softmax(scores, -1), v);
}

}  // namespace

TEST(TorchCompat, VersionNamesTheLineBuiltAgainst) {
  const std::string version = torch_compat::version();
  EXPECT_EQ(version.substr(0, 2), std::to_string(TORCH_VERSION_MAJOR) + ".");
}

TEST(TorchCompat, FusedAttentionMatchesTheFormulaOrIsRefused) {
  at::manual_seed(3);
  const at::Tensor q = at::randn({2, 5, 77, 40}), k = at::randn({2, 5, 33, 40}), v = at::randn({2, 5, 33, 24});
  // An additive mask as CLIP's causal one: -inf above the diagonal of a square.
  const at::Tensor square = at::randn({2, 5, 33, 40});
  const at::Tensor causal = at::full({33, 33}, -INFINITY).triu(1);
  if (!torch_compat::kHasFusedAttention) {
    EXPECT_FALSE(torch_compat::use_fused_attention(4096, 4096));
    EXPECT_THROW(torch_compat::fused_attention(q, k, v, {}), Error);
    return;
  }
  EXPECT_TRUE(at::allclose(torch_compat::fused_attention(q, k, v, {}), plain_attention(q, k, v, {}), 1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(torch_compat::fused_attention(square, square, v, causal),
                           plain_attention(square, square, v, causal), 1e-4, 1e-5));
  const at::Tensor fused16 =
      torch_compat::fused_attention(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16), {});
  EXPECT_EQ(fused16.scalar_type(), at::kBFloat16);
  EXPECT_LT((fused16.to(at::kFloat) - plain_attention(q, k, v, {})).abs().max().item<double>(), 0.05);
}

TEST(TorchCompat, FusedAttentionIsUsedWhereLibTorchHasItAndTheScoresAreMany) {
  // DIFFSCOPE_ATTENTION forces a path for benchmarks; ctest does not set it.
  if (std::getenv("DIFFSCOPE_ATTENTION") == nullptr) {
    EXPECT_EQ(torch_compat::use_fused_attention(4096, 4096), torch_compat::kHasFusedAttention);  // SD at 512²
    EXPECT_FALSE(torch_compat::use_fused_attention(256, 256));                                   // the built-in model
    EXPECT_FALSE(torch_compat::use_fused_attention(77, 77));                                     // CLIP
  }
  EXPECT_EQ(torch_compat::kHasFusedAttention, TORCH_VERSION_MAJOR >= 2);
  EXPECT_EQ(torch_compat::kHasCpuFloat16, TORCH_VERSION_MAJOR >= 2);
}
