#pragma once
// The built-in model's denoiser: a three-level U-Net over the 16×16 latent
// (channels c0 at 16², c1 at 8², c2 at 4²) with a sinusoidal timestep
// embedding in every residual block and cross-attention to the text at the two
// coarser levels, where attention is cheap; optionally the prompt's pooled
// encoding joins the timestep embedding (UNetConfig::pooled_text).
#include <torch/nn.h>

#include "core/models/ldm/layers.h"
#include "core/models/ldm/ldm_config.h"

namespace diffscope::ldm {

class UNetImpl : public torch::nn::Module {
 public:
  UNetImpl(const UNetConfig& config, int64_t latent_channels, int64_t context_width);
  // x: (B, C, h, w), h and w multiples of 4; timesteps: (B) float in [0, T);
  // context: (B, tokens, context_width).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timesteps, const torch::Tensor& context);

 private:
  torch::Tensor time_embedding(const torch::Tensor& timesteps);

  int64_t frequency_count_;
  torch::nn::Linear time_in_{nullptr}, time_out_{nullptr}, text_to_time_{nullptr};
  torch::nn::Conv2d conv_in_{nullptr}, down0_{nullptr}, down1_{nullptr}, up2_{nullptr}, up1_{nullptr},
      conv_out_{nullptr};
  ResBlock enc0_{nullptr}, enc1_{nullptr}, enc2_{nullptr}, mid_{nullptr}, dec2_{nullptr}, dec1_{nullptr},
      dec0_{nullptr};
  SpatialTransformer enc1_attn_{nullptr}, enc2_attn_{nullptr}, dec2_attn_{nullptr}, dec1_attn_{nullptr};
  torch::nn::GroupNorm norm_out_{nullptr};
};
TORCH_MODULE(UNet);

}  // namespace diffscope::ldm
