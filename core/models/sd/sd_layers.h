#pragma once
// The few layer types Stable Diffusion's networks are made of, as plain
// weights plus a forward function over ATen (no torch::nn: the checkpoint's
// names are the only structure, and weights may stay 16-bit). Each `load`
// takes its tensors from the store by name with the shapes the layer needs.
#include <ATen/core/Tensor.h>

#include <string>

#include "core/models/sd/weight_store.h"

namespace diffscope::sd {

// DIFFSCOPE_CHANNELS_LAST=1: convolution weights and the U-Net's activations
// in channels-last (NHWC) layout, for measuring it against the default
// (docs/PERFORMANCE.md).
bool use_channels_last();

struct Conv2d {
  at::Tensor weight, bias;
  int64_t stride = 1, padding = 0;
  static Conv2d load(WeightStore& store, const std::string& prefix, int64_t in, int64_t out, int64_t kernel,
                     int64_t stride = 1);
  at::Tensor operator()(const at::Tensor& x) const;
  int64_t out_channels() const { return weight.size(0); }
};

struct Linear {
  at::Tensor weight, bias;  // bias may be undefined
  static Linear load(WeightStore& store, const std::string& prefix, int64_t in, int64_t out, bool bias = true);
  // A 1×1 convolution's weight (out, in, 1, 1) used as a linear layer.
  static Linear load_pointwise(WeightStore& store, const std::string& prefix, int64_t in, int64_t out);
  at::Tensor operator()(const at::Tensor& x) const;
};

struct GroupNorm {
  at::Tensor weight, bias;
  int64_t groups = 32;
  double eps = 1e-5;
  static GroupNorm load(WeightStore& store, const std::string& prefix, int64_t channels, double eps,
                        int64_t groups = 32);
  // Statistics in float32 whatever the compute type (as SD's GroupNorm32).
  // The result is the input's type.
  at::Tensor operator()(const at::Tensor& x) const;
};

struct LayerNorm {
  at::Tensor weight, bias;
  double eps = 1e-5;
  static LayerNorm load(WeightStore& store, const std::string& prefix, int64_t width, double eps = 1e-5);
  at::Tensor operator()(const at::Tensor& x) const;
};

// softmax(q·kᵀ·scale [+ mask])·v over (B, heads, N, d), in slices that bound
// the score matrix's memory; LibTorch 2's fused kernel where it has one.
// upcast: scores in float32 (SD 2.1 in fp16 overflows otherwise).
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask = {},
                     bool upcast = false);

// SiLU in place on a fresh activation (saves one buffer per call).
at::Tensor silu_in_place(at::Tensor x);

// (B, N, heads·d) ↔ (B, heads, N, d)
at::Tensor split_heads(const at::Tensor& x, int64_t heads);
at::Tensor merge_heads(const at::Tensor& x);

}  // namespace diffscope::sd
