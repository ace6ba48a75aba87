// The Stable Diffusion layers against their plain formulas.
#include "core/models/sd/sd_layers.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/models/sd/sd_unet.h"

using namespace diffscope;
using namespace diffscope::sd;

namespace {

at::Tensor plain_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask = {}) {
  at::Tensor scores =
      at::matmul(q.to(at::kDouble), k.to(at::kDouble).transpose(-1, -2)) / std::sqrt(double(q.size(-1)));
  if (mask.defined()) scores = scores + mask.to(at::kDouble);
  return at::matmul(at::softmax(scores, -1), v.to(at::kDouble)).to(at::kFloat);
}

}  // namespace

TEST(SdLayers, TimestepEmbeddingIsCosinesThenSines) {
  const at::Tensor emb = timestep_embedding(at::tensor({0.0, 10.0, 999.0}), 8);
  ASSERT_EQ(emb.sizes(), (at::IntArrayRef{3, 8}));
  for (int row = 0; row < 3; ++row) {
    const double t = std::vector<double>{0.0, 10.0, 999.0}[row];
    for (int i = 0; i < 4; ++i) {
      const double freq = std::exp(-std::log(10000.0) * i / 4);
      EXPECT_NEAR(emb[row][i].item<double>(), std::cos(t * freq), 1e-4) << row << " " << i;
      EXPECT_NEAR(emb[row][4 + i].item<double>(), std::sin(t * freq), 1e-4) << row << " " << i;
    }
  }
}

TEST(SdLayers, AttentionMatchesTheFormulaWithAndWithoutAMask) {
  at::manual_seed(1);
  const at::Tensor q = at::randn({2, 3, 40, 8}), k = at::randn({2, 3, 50, 8}), v = at::randn({2, 3, 50, 6});
  EXPECT_TRUE(at::allclose(attention(q, k, v), plain_attention(q, k, v), 1e-4, 1e-5));
  const at::Tensor qs = at::randn({1, 2, 30, 8}), ks = at::randn({1, 2, 30, 8}), vs = at::randn({1, 2, 30, 8});
  const at::Tensor causal = at::full({30, 30}, -INFINITY).triu(1);
  EXPECT_TRUE(at::allclose(attention(qs, ks, vs, causal), plain_attention(qs, ks, vs, causal), 1e-4, 1e-5));
  // Scores in float32 for bfloat16 inputs stay close to the float32 result.
  const at::Tensor upcast = attention(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16), {}, true);
  EXPECT_LT((upcast.to(at::kFloat) - plain_attention(q, k, v)).abs().max().item<double>(), 0.05);
}

TEST(SdLayers, AttentionInSlicesEqualsOneBigProduct) {
  // 9,000 × 9,000 scores exceed one slice's budget: queries go in parts.
  at::manual_seed(2);
  const at::Tensor q = at::randn({1, 1, 9000, 4}), k = at::randn({1, 1, 9000, 4}), v = at::randn({1, 1, 9000, 4});
  EXPECT_TRUE(at::allclose(attention(q, k, v), plain_attention(q, k, v), 1e-4, 1e-5));
  // 8 heads of 4,096² scores: several heads per slice.
  const at::Tensor q8 = at::randn({2, 4, 4096, 4}), k8 = at::randn({2, 4, 4096, 4}), v8 = at::randn({2, 4, 4096, 4});
  EXPECT_TRUE(at::allclose(attention(q8, k8, v8), plain_attention(q8, k8, v8), 1e-4, 1e-5));
}

TEST(SdLayers, GroupNormComputesInFloat32ForBfloat16) {
  at::manual_seed(3);
  GroupNorm norm{at::rand({64}) + 0.5, at::randn({64}), 32, 1e-6};
  const at::Tensor x = at::randn({2, 64, 5, 5}) * 3 + 1;
  const at::Tensor reference = at::group_norm(x, 32, norm.weight, norm.bias, 1e-6);
  EXPECT_TRUE(at::allclose(norm(x), reference, 1e-5, 1e-5));
  GroupNorm half{norm.weight.to(at::kBFloat16), norm.bias.to(at::kBFloat16), 32, 1e-6};
  const at::Tensor out = half(x.to(at::kBFloat16));
  EXPECT_EQ(out.scalar_type(), at::kBFloat16);
  EXPECT_LT((out.to(at::kFloat) - reference).abs().max().item<double>(), 0.1);
}

TEST(SdLayers, PointwiseConvolutionAsLinearEqualsTheConvolution) {
  at::manual_seed(4);
  const at::Tensor weight = at::randn({6, 5, 1, 1}), bias = at::randn({6}), x = at::randn({2, 5, 3, 4});
  Linear linear{weight.view({6, 5}), bias};
  const at::Tensor as_linear = linear(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2});
  EXPECT_TRUE(at::allclose(as_linear, at::conv2d(x, weight, bias), 1e-5, 1e-5));
}
