#include "core/models/ldm/layers.h"

#include <cmath>

namespace diffscope::ldm {

int64_t norm_groups(int64_t channels) {
  for (int64_t groups : {8, 4, 2}) {
    if (channels % groups == 0) return groups;
  }
  return 1;
}

ResBlockImpl::ResBlockImpl(int64_t in_channels, int64_t out_channels, int64_t time_dim) {
  using torch::nn::Conv2dOptions;
  norm1_ = register_module("norm1", torch::nn::GroupNorm(norm_groups(in_channels), in_channels));
  conv1_ = register_module("conv1", torch::nn::Conv2d(Conv2dOptions(in_channels, out_channels, 3).padding(1)));
  norm2_ = register_module("norm2", torch::nn::GroupNorm(norm_groups(out_channels), out_channels));
  conv2_ = register_module("conv2", torch::nn::Conv2d(Conv2dOptions(out_channels, out_channels, 3).padding(1)));
  if (in_channels != out_channels) {
    skip_ = register_module("skip", torch::nn::Conv2d(Conv2dOptions(in_channels, out_channels, 1)));
  }
  if (time_dim > 0) time_proj_ = register_module("time_proj", torch::nn::Linear(time_dim, out_channels));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& time) {
  torch::Tensor h = conv1_(torch::silu(norm1_(x)));
  if (time_proj_ && time.defined()) h = h + time_proj_(time).unsqueeze(-1).unsqueeze(-1);
  h = conv2_(torch::silu(norm2_(h)));
  return (skip_ ? skip_(x) : x) + h;
}

AttentionImpl::AttentionImpl(int64_t width, int64_t context_width, int64_t heads) : heads_(heads) {
  TORCH_CHECK(width % heads == 0, "attention width ", width, " is not a multiple of ", heads, " heads");
  using torch::nn::LinearOptions;
  to_q_ = register_module("to_q", torch::nn::Linear(LinearOptions(width, width).bias(false)));
  to_k_ = register_module("to_k", torch::nn::Linear(LinearOptions(context_width, width).bias(false)));
  to_v_ = register_module("to_v", torch::nn::Linear(LinearOptions(context_width, width).bias(false)));
  to_out_ = register_module("to_out", torch::nn::Linear(width, width));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const int64_t batch = x.size(0), n = x.size(1), width = x.size(2), head_dim = width / heads_;
  // (B, N, width) → (B, heads, N, head_dim)
  auto split = [&](const torch::Tensor& t) { return t.view({batch, -1, heads_, head_dim}).transpose(1, 2); };
  torch::Tensor q = split(to_q_(x)), k = split(to_k_(context)), v = split(to_v_(context));
  torch::Tensor weights = torch::softmax(torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(head_dim)), -1);
  torch::Tensor out = torch::matmul(weights, v).transpose(1, 2).reshape({batch, n, width});
  return to_out_(out);
}

TransformerLayerImpl::TransformerLayerImpl(int64_t width, int64_t heads, int64_t context_width) {
  using torch::nn::LayerNormOptions;
  norm1_ = register_module("norm1", torch::nn::LayerNorm(LayerNormOptions({width})));
  self_attn_ = register_module("self_attn", Attention(width, width, heads));
  if (context_width > 0) {
    norm2_ = register_module("norm2", torch::nn::LayerNorm(LayerNormOptions({width})));
    cross_attn_ = register_module("cross_attn", Attention(width, context_width, heads));
  }
  norm3_ = register_module("norm3", torch::nn::LayerNorm(LayerNormOptions({width})));
  ff_in_ = register_module("ff_in", torch::nn::Linear(width, 4 * width));
  ff_out_ = register_module("ff_out", torch::nn::Linear(4 * width, width));
}

torch::Tensor TransformerLayerImpl::forward(torch::Tensor x, const torch::Tensor& context) {
  torch::Tensor h = norm1_(x);
  x = x + self_attn_(h, h);
  if (cross_attn_) x = x + cross_attn_(norm2_(x), context);
  return x + ff_out_(torch::gelu(ff_in_(norm3_(x))));
}

SpatialTransformerImpl::SpatialTransformerImpl(int64_t channels, int64_t heads, int64_t context_width) {
  norm_ = register_module("norm", torch::nn::GroupNorm(norm_groups(channels), channels));
  proj_in_ = register_module("proj_in", torch::nn::Linear(channels, channels));
  layer_ = register_module("layer", TransformerLayer(channels, heads, context_width));
  proj_out_ = register_module("proj_out", torch::nn::Linear(channels, channels));
}

torch::Tensor SpatialTransformerImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
  torch::Tensor tokens = proj_in_(norm_(x).flatten(2).transpose(1, 2));  // (B, HW, C)
  tokens = proj_out_(layer_(tokens, context));
  return x + tokens.transpose(1, 2).reshape({batch, channels, height, width});
}

}  // namespace diffscope::ldm
