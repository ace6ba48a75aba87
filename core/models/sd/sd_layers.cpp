#include "core/models/sd/sd_layers.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/common/torch_compat.h"

namespace diffscope::sd {

bool use_channels_last() {
  static const bool on = [] {
    const char* asked = std::getenv("DIFFSCOPE_CHANNELS_LAST");
    return asked != nullptr && std::string(asked) == "1";
  }();
  return on;
}

Conv2d Conv2d::load(WeightStore& store, const std::string& prefix, int64_t in, int64_t out, int64_t kernel,
                    int64_t stride) {
  Conv2d conv;
  conv.weight = store.take(prefix + ".weight", {out, in, kernel, kernel});
  if (use_channels_last()) {
    conv.weight = conv.weight.contiguous(at::MemoryFormat::ChannelsLast);
    store.replace_taken(prefix + ".weight", conv.weight);
  }
  conv.bias = store.take(prefix + ".bias", {out});
  conv.stride = stride;
  conv.padding = kernel / 2;
  return conv;
}

at::Tensor Conv2d::operator()(const at::Tensor& x) const {
  return at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
}

Linear Linear::load(WeightStore& store, const std::string& prefix, int64_t in, int64_t out, bool bias) {
  Linear linear;
  linear.weight = store.take(prefix + ".weight", {out, in});
  if (bias) linear.bias = store.take(prefix + ".bias", {out});
  return linear;
}

Linear Linear::load_pointwise(WeightStore& store, const std::string& prefix, int64_t in, int64_t out) {
  Linear linear;
  linear.weight = store.take(prefix + ".weight", {out, in, 1, 1}).view({out, in});
  linear.bias = store.take(prefix + ".bias", {out});
  return linear;
}

at::Tensor Linear::operator()(const at::Tensor& x) const { return at::linear(x, weight, bias); }

GroupNorm GroupNorm::load(WeightStore& store, const std::string& prefix, int64_t channels, double eps, int64_t groups) {
  GroupNorm norm;
  norm.weight = store.take(prefix + ".weight", {channels});
  norm.bias = store.take(prefix + ".bias", {channels});
  norm.groups = groups;
  norm.eps = eps;
  return norm;
}

at::Tensor GroupNorm::operator()(const at::Tensor& x) const {
  // float32 and bfloat16 kernels accumulate in float32; float16 (CUDA) is
  // widened as SD's GroupNorm32 does.
  if (x.scalar_type() != at::kHalf) return at::group_norm(x, groups, weight, bias, eps);
  return at::group_norm(x.to(at::kFloat), groups, weight.to(at::kFloat), bias.to(at::kFloat), eps).to(x.scalar_type());
}

LayerNorm LayerNorm::load(WeightStore& store, const std::string& prefix, int64_t width, double eps) {
  LayerNorm norm;
  norm.weight = store.take(prefix + ".weight", {width});
  norm.bias = store.take(prefix + ".bias", {width});
  norm.eps = eps;
  return norm;
}

at::Tensor LayerNorm::operator()(const at::Tensor& x) const {
  return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

at::Tensor silu_in_place(at::Tensor x) {
  at::silu_(x);
  return x;
}

at::Tensor split_heads(const at::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

at::Tensor merge_heads(const at::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     bool upcast) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  if (torch_compat::use_fused_attention(q.size(2), k.size(2)) && (!upcast || q.scalar_type() == at::kFloat)) {
    return torch_compat::fused_attention(q, k, v, mask);
  }
  const int64_t batch = q.size(0), heads = q.size(1), n = q.size(2), m = k.size(2), d = q.size(3);
  at::Tensor q3 = q.reshape({batch * heads, n, d}), k3 = k.reshape({batch * heads, m, d}),
             v3 = v.reshape({batch * heads, m, v.size(3)});
  at::Tensor out = at::empty({batch * heads, n, v.size(3)}, q.options());
  // Score slices of at most ~64 Mi elements (256 MB in float32): several
  // heads at a time when they fit, else slices of the queries of one head.
  const int64_t budget = int64_t(64) << 20;
  const int64_t heads_step = std::max<int64_t>(1, budget / std::max<int64_t>(1, n * m));
  const int64_t rows_step = heads_step > 1 ? n : std::clamp<int64_t>(budget / std::max<int64_t>(1, m), 1, n);
  for (int64_t h = 0; h < batch * heads; h += heads_step) {
    const int64_t h_end = std::min(batch * heads, h + heads_step);
    at::Tensor ks = k3.slice(0, h, h_end), vs = v3.slice(0, h, h_end);
    if (upcast) ks = ks.to(at::kFloat);
    for (int64_t r = 0; r < n; r += rows_step) {
      const int64_t r_end = std::min(n, r + rows_step);
      at::Tensor qs = q3.slice(0, h, h_end).slice(1, r, r_end);
      if (upcast) qs = qs.to(at::kFloat);
      at::Tensor scores = at::bmm(qs, ks.transpose(1, 2)).mul_(scale);
      if (mask.defined()) scores.add_(mask.slice(-2, r, r_end));
      at::Tensor weights = at::softmax(scores, -1).to(v.scalar_type());
      out.slice(0, h, h_end).slice(1, r, r_end).copy_(at::bmm(weights, vs));
    }
  }
  return out.view({batch, heads, n, v.size(3)});
}

}  // namespace diffscope::sd
