#pragma once
// The built-in model's KL autoencoder (Rombach et al. 2022, scaled down):
// 64×64 RGB ↔ a 4-channel 16×16 latent. Space-to-depth on the way in and
// depth-to-space on the way out keep every convolution at ≤ H/2, which is what
// lets the app decode a preview of every step in a few milliseconds.
#include <torch/nn.h>

#include "core/models/ldm/layers.h"
#include "core/models/ldm/ldm_config.h"

namespace diffscope::ldm {

class EncoderImpl : public torch::nn::Module {
 public:
  EncoderImpl(const AutoencoderConfig& config, int64_t latent_channels);
  // Images (B, 3, H, W) in [−1, 1] → (mean, log-variance), each (B, C, H/4, W/4).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& images);

 private:
  torch::nn::Conv2d conv_in_{nullptr}, down_{nullptr}, conv_out_{nullptr};
  ResBlock block1_{nullptr}, block2_{nullptr};
  torch::nn::GroupNorm norm_out_{nullptr};
};
TORCH_MODULE(Encoder);

class DecoderImpl : public torch::nn::Module {
 public:
  DecoderImpl(const AutoencoderConfig& config, int64_t latent_channels);
  // Latents (B, C, h, w) → images (B, 3, 4h, 4w), roughly in [−1, 1].
  torch::Tensor forward(const torch::Tensor& latents);

 private:
  torch::nn::Conv2d conv_in_{nullptr}, up_{nullptr}, conv_out_{nullptr};
  torch::nn::ModuleList low_blocks_{nullptr}, high_blocks_{nullptr};
  torch::nn::GroupNorm norm_out_{nullptr};
};
TORCH_MODULE(Decoder);

class AutoencoderImpl : public torch::nn::Module {
 public:
  AutoencoderImpl(const AutoencoderConfig& config, int64_t latent_channels);
  Encoder encoder{nullptr};
  Decoder decoder{nullptr};
};
TORCH_MODULE(Autoencoder);

}  // namespace diffscope::ldm
