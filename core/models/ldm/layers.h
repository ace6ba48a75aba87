#pragma once
// Building blocks shared by the built-in model's autoencoder, text encoder and
// U-Net (the Stable Diffusion layout, scaled down): residual conv blocks with
// an optional timestep input, multi-head attention (self or cross), and a
// transformer block that lets image tokens attend to text tokens.
#include <torch/nn.h>

namespace diffscope::ldm {

// GroupNorm groups for a channel count: 8 where it divides, else fewer.
int64_t norm_groups(int64_t channels);

// GroupNorm → SiLU → conv3×3 (+ time) → GroupNorm → SiLU → conv3×3, plus a
// (1×1 projected) skip. time_dim 0: no timestep input.
class ResBlockImpl : public torch::nn::Module {
 public:
  ResBlockImpl(int64_t in_channels, int64_t out_channels, int64_t time_dim = 0);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& time = {});

 private:
  torch::nn::GroupNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, skip_{nullptr};
  torch::nn::Linear time_proj_{nullptr};
};
TORCH_MODULE(ResBlock);

// Multi-head scaled dot-product attention; keys/values may come from another
// sequence of another width (cross-attention).
class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int64_t width, int64_t context_width, int64_t heads);
  // x: (B, N, width); context: (B, M, context_width), or x itself. A
  // cross-attention over an h × w feature map's tokens names its size
  // (word heat maps; attention_probe.h).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context, int64_t map_height = 0,
                        int64_t map_width = 0);

 private:
  // The keys and values of the last context seen in inference mode, with what
  // they were computed from.
  struct KeyValueCache {
    torch::Tensor context, k, v;
    const void *k_data = nullptr, *v_data = nullptr;
    int64_t k_version = -1, v_version = -1;
    bool holds(const torch::Tensor& now, const torch::Tensor& k_weight, const torch::Tensor& v_weight) const;
  };
  std::pair<torch::Tensor, torch::Tensor> keys_values(const torch::Tensor& context);

  KeyValueCache cache_;
  int64_t heads_;
  torch::nn::Linear to_q_{nullptr}, to_k_{nullptr}, to_v_{nullptr}, to_out_{nullptr};
};
TORCH_MODULE(Attention);

// Pre-norm transformer layer: self-attention, optional cross-attention to a
// context, and a GELU feed-forward (4× wide).
class TransformerLayerImpl : public torch::nn::Module {
 public:
  TransformerLayerImpl(int64_t width, int64_t heads, int64_t context_width = 0);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& context = {}, int64_t map_height = 0,
                        int64_t map_width = 0);

 private:
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr}, norm3_{nullptr};
  Attention self_attn_{nullptr}, cross_attn_{nullptr};
  torch::nn::Linear ff_in_{nullptr}, ff_out_{nullptr};
};
TORCH_MODULE(TransformerLayer);

// A feature map's pixels as tokens through one TransformerLayer that attends
// to the text, back to a feature map, added to the input.
class SpatialTransformerImpl : public torch::nn::Module {
 public:
  SpatialTransformerImpl(int64_t channels, int64_t heads, int64_t context_width);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

 private:
  torch::nn::GroupNorm norm_{nullptr};
  torch::nn::Linear proj_in_{nullptr}, proj_out_{nullptr};
  TransformerLayer layer_{nullptr};
};
TORCH_MODULE(SpatialTransformer);

}  // namespace diffscope::ldm
