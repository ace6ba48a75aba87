#pragma once
// The built-in model's text encoder, trained from scratch with the U-Net: word
// embeddings plus learned positions through a few transformer layers; the U-Net
// cross-attends to every output token (as Stable Diffusion does to CLIP's).
#include <torch/nn.h>

#include "core/models/ldm/layers.h"
#include "core/models/ldm/ldm_config.h"

namespace diffscope::ldm {

class TextEncoderImpl : public torch::nn::Module {
 public:
  explicit TextEncoderImpl(const TextConfig& config);
  // Token ids (B, max_tokens) int64 → (B, max_tokens, width).
  torch::Tensor forward(const torch::Tensor& tokens);

 private:
  torch::nn::Embedding token_embedding_{nullptr};
  torch::Tensor position_embedding_;
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::LayerNorm final_norm_{nullptr};
};
TORCH_MODULE(TextEncoder);

}  // namespace diffscope::ldm
