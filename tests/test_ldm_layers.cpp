// The built-in model's attention computes what the textbook formula says, and
// trains every projection.
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "core/models/ldm/layers.h"

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
  torch::Tensor w =
      torch::softmax(torch::matmul(heads_of(q), heads_of(k).transpose(-1, -2)) / std::sqrt(double(d)), -1);
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

TEST(LdmLayers, CrossAttentionReusesKeysAndValuesOnlyWhileTheyHold) {
  torch::manual_seed(5);
  Attention attention(32, 16, 4);
  const torch::Tensor x = torch::randn({2, 9, 32}), context = torch::randn({2, 5, 16});
  c10::InferenceMode inference;  // where sampling runs, and the cache is used
  EXPECT_TRUE(torch::allclose(attention->forward(x, context), plain_attention(attention, x, context, 4), 1e-5, 1e-5));
  // The same values in a new tensor (every step concatenates its context anew).
  EXPECT_TRUE(
      torch::allclose(attention->forward(x, context.clone()), plain_attention(attention, x, context, 4), 1e-5, 1e-5));
  // Another context, then weights changed in place (training, loading).
  const torch::Tensor other = torch::randn({2, 5, 16});
  EXPECT_TRUE(torch::allclose(attention->forward(x, other), plain_attention(attention, x, other, 4), 1e-5, 1e-5));
  {
    c10::InferenceMode off(false);
    torch::NoGradGuard no_grad;
    attention->named_parameters()["to_k.weight"].mul_(2.0);
    attention->named_parameters()["to_v.weight"].add_(0.5);
  }
  EXPECT_TRUE(torch::allclose(attention->forward(x, other), plain_attention(attention, x, other, 4), 1e-5, 1e-5));
  // Weights of another type (bfloat16 compute), and back.
  auto convert = [&](torch::ScalarType type) {
    c10::InferenceMode off(false);
    attention->to(type);
  };
  convert(torch::kBFloat16);
  const torch::Tensor low = attention->forward(x.to(torch::kBFloat16), other.to(torch::kBFloat16));
  EXPECT_EQ(low.scalar_type(), torch::kBFloat16);
  convert(torch::kFloat);
  EXPECT_TRUE(torch::allclose(attention->forward(x, other), plain_attention(attention, x, other, 4), 1e-5, 1e-5));
}

TEST(LdmLayers, CrossAttentionBuiltInInferenceModeStillWorks) {
  // Weights created in inference mode are inference tensors, which have no
  // version counter for the cache to check.
  torch::manual_seed(6);
  c10::InferenceMode inference;
  Attention attention(32, 16, 4);
  const torch::Tensor x = torch::randn({2, 9, 32}), context = torch::randn({2, 5, 16});
  for (int call = 0; call < 2; ++call) {
    EXPECT_TRUE(torch::allclose(attention->forward(x, context), plain_attention(attention, x, context, 4), 1e-5, 1e-5));
  }
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
