#include "core/models/ldm/layers.h"

#include <c10/core/InferenceMode.h>

#include <cmath>

#include "core/common/torch_compat.h"
#include "core/sampling/attention_probe.h"

namespace diffscope::ldm {
namespace {

// x (…, in) → (…, out) as one matrix product over all rows: LibTorch sends 3-D
// inputs without a bias, or non-contiguous ones, through its batched matmul,
// which costs more than the product itself at these sizes.
torch::Tensor rows_linear(const torch::Tensor& x, const torch::nn::Linear& layer) {
  std::vector<int64_t> sizes = x.sizes().vec();
  const torch::Tensor rows = x.reshape({-1, sizes.back()});
  const torch::Tensor out =
      layer->bias.defined() ? at::addmm(layer->bias, rows, layer->weight.t()) : at::mm(rows, layer->weight.t());
  sizes.back() = out.size(1);
  return out.view(sizes);
}

}  // namespace

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

bool AttentionImpl::KeyValueCache::holds(const torch::Tensor& now, const torch::Tensor& k_weight,
                                         const torch::Tensor& v_weight) const {
  return context.defined() && context.sizes() == now.sizes() && context.scalar_type() == now.scalar_type() &&
         context.device() == now.device() && k_weight.data_ptr() == k_data && v_weight.data_ptr() == v_data &&
         k_weight._version() == k_version && v_weight._version() == v_version && at::equal(context, now);
}

std::pair<torch::Tensor, torch::Tensor> AttentionImpl::keys_values(const torch::Tensor& context) {
  // Cross-attention's context (the prompt's encoding) is the same at every
  // step of a run: its keys and values are computed once. Only in inference
  // mode (no gradient has to reach the projections), and only while the
  // projection weights are the ones they were computed with. Weights made in
  // inference mode have no version counter to check, so they are not cached.
  const bool cacheable =
      c10::InferenceMode::is_enabled() && !to_k_->weight.is_inference() && !to_v_->weight.is_inference();
  if (cacheable && cache_.holds(context, to_k_->weight, to_v_->weight)) return {cache_.k, cache_.v};
  torch::Tensor k = rows_linear(context, to_k_), v = rows_linear(context, to_v_);
  if (cacheable) {
    cache_ = {context,
              k,
              v,
              to_k_->weight.data_ptr(),
              to_v_->weight.data_ptr(),
              to_k_->weight._version(),
              to_v_->weight._version()};
  }
  return {k, v};
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context, int64_t map_height,
                                     int64_t map_width) {
  const int64_t batch = x.size(0), n = x.size(1), width = x.size(2), head_dim = width / heads_;
  // (B, T, width) → (B·heads, T, head_dim) for batched matrix products.
  auto split = [&](const torch::Tensor& t) {
    return t.view({batch, -1, heads_, head_dim}).transpose(1, 2).reshape({batch * heads_, -1, head_dim});
  };
  torch::Tensor k, v;
  if (x.is_same(context)) {
    k = rows_linear(x, to_k_), v = rows_linear(x, to_v_);
  } else {
    std::tie(k, v) = keys_values(context);
  }
  if (AttentionProbe* probe = active_attention_probe(); probe != nullptr && map_height > 0) {
    auto heads_first = [&](const torch::Tensor& t) { return split(t).view({batch, heads_, -1, head_dim}); };
    probe->add(heads_first(rows_linear(x, to_q_)), heads_first(k), map_height, map_width);
  }
  torch::Tensor out;
  if (torch_compat::use_fused_attention(n, k.size(1))) {
    out = torch_compat::fused_attention(split(rows_linear(x, to_q_)), split(k), split(v), {});
  } else {
    // 1/√d is applied to q (N·d numbers) rather than to the N·M scores.
    const torch::Tensor q = split(rows_linear(x, to_q_) * (1.0 / std::sqrt(double(head_dim))));
    out = at::bmm(at::softmax(at::bmm(q, split(k).transpose(1, 2)), -1), split(v));
  }
  out = out.view({batch, heads_, n, head_dim}).transpose(1, 2);
  return rows_linear(out.reshape({batch, n, width}), to_out_);
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

torch::Tensor TransformerLayerImpl::forward(torch::Tensor x, const torch::Tensor& context, int64_t map_height,
                                            int64_t map_width) {
  torch::Tensor h = norm1_(x);
  x = x + self_attn_(h, h);
  if (cross_attn_) x = x + cross_attn_->forward(norm2_(x), context, map_height, map_width);
  return x + rows_linear(torch::gelu(rows_linear(norm3_(x), ff_in_)), ff_out_);
}

SpatialTransformerImpl::SpatialTransformerImpl(int64_t channels, int64_t heads, int64_t context_width) {
  norm_ = register_module("norm", torch::nn::GroupNorm(norm_groups(channels), channels));
  proj_in_ = register_module("proj_in", torch::nn::Linear(channels, channels));
  layer_ = register_module("layer", TransformerLayer(channels, heads, context_width));
  proj_out_ = register_module("proj_out", torch::nn::Linear(channels, channels));
}

torch::Tensor SpatialTransformerImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
  torch::Tensor tokens = rows_linear(norm_(x).flatten(2).transpose(1, 2), proj_in_);  // (B, HW, C)
  tokens = rows_linear(layer_->forward(tokens, context, height, width), proj_out_);
  return x + tokens.transpose(1, 2).reshape({batch, channels, height, width});
}

}  // namespace diffscope::ldm
