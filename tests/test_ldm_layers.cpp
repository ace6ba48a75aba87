// The built-in model's attention computes what the textbook formula says, and
// trains every projection.
#include "core/models/ldm/layers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using namespace diffscope::ldm;

namespace {

// Attention written out the plain way: three projections, per-head softmax(qkᵀ/√d)v.
torch::Tensor plain_attention(Attention& attention, const torch::Tensor& x, const torch::Tensor& context,
                              int64_t heads) {
  auto p = attention->named_parameters();
  const torch::Tensor q = torch::linear(x, p["to_q.weight"]), k = torch::linear(context, p["to_k.weight"]),
                      v = torch::linear(context, p["to_v.weight"]);
  const int64_t batch = x.size(0), width = q.size(2), d = width / heads;
  auto heads_of = [&](const torch::Tensor& t) { return t.view({batch, -1, heads, d}).transpose(1, 2); };
  torch::Tensor w = torch::softmax(torch::matmul(heads_of(q), heads_of(k).transpose(-1, -2)) / std::sqrt(double(d)), -1);
  torch::Tensor out = torch::matmul(w, heads_of(v)).transpose(1, 2).reshape({batch, -1, width});
  return torch::linear(out, p["to_out.weight"], p["to_out.bias"]);
}

}  // namespace

TEST(LdmLayers, SelfAttentionMatchesThePlainFormula) {
  torch::manual_seed(1);
  Attention attention(32, 32, 4);
  const torch::Tensor x = torch::randn({2, 9, 32});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(attention->forward(x, x), plain_attention(attention, x, x, 4), 1e-5, 1e-5));
}

TEST(LdmLayers, CrossAttentionMatchesThePlainFormula) {
  torch::manual_seed(2);
  Attention attention(32, 16, 4);
  const torch::Tensor x = torch::randn({2, 9, 32}), context = torch::randn({2, 5, 16});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(attention->forward(x, context), plain_attention(attention, x, context, 4), 1e-5, 1e-5));
}

TEST(LdmLayers, SelfAttentionOnAnEqualButDistinctTensorIsStillRight) {
  torch::manual_seed(3);
  Attention attention(16, 16, 2);
  const torch::Tensor x = torch::randn({1, 4, 16});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(attention->forward(x, x.clone()), attention->forward(x, x), 1e-5, 1e-5));
}

TEST(LdmLayers, GradientsReachEveryProjection) {
  torch::manual_seed(4);
  Attention attention(16, 16, 2);
  const torch::Tensor x = torch::randn({2, 4, 16});
  attention->forward(x, x).sum().backward();
  Attention cross(16, 8, 2);
  cross->forward(x, torch::randn({2, 3, 8})).pow(2).sum().backward();
  for (auto* module : {&attention, &cross}) {
    for (const auto& parameter : (*module)->named_parameters()) {
      ASSERT_TRUE(parameter.value().grad().defined()) << parameter.key();
      EXPECT_GT(parameter.value().grad().abs().sum().item<double>(), 0.0) << parameter.key();
    }
  }
}
