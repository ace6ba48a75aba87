#pragma once
// A small decoder for the per-step previews of the built-in model, distilled
// from its autoencoder's decoder (the idea of TAESD for Stable Diffusion):
// latents → images like the real decoder, at a fraction of its arithmetic
// (~40 vs ~270 MFLOP per 64×64 image), so that decoding x_t and x̂₀ of every
// step no longer costs half as much as the step itself. No normalisation
// layers: at a 16×16 latent they cost more time than their convolutions.
#include <torch/nn.h>

#include "core/models/ldm/ldm_config.h"

namespace diffscope::ldm {

class PreviewDecoderImpl : public torch::nn::Module {
 public:
  PreviewDecoderImpl(const PreviewDecoderConfig& config, int64_t latent_channels);
  // Unscaled latents (B, C, h, w) → images (B, 3, 4h, 4w), roughly in [−1, 1].
  torch::Tensor forward(const torch::Tensor& latents);

 private:
  torch::nn::Conv2d conv_in_{nullptr}, conv_mid_{nullptr}, up_{nullptr}, conv_high_{nullptr}, conv_out_{nullptr};
};
TORCH_MODULE(PreviewDecoder);

}  // namespace diffscope::ldm
