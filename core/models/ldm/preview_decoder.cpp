#include "core/models/ldm/preview_decoder.h"

namespace diffscope::ldm {

using torch::nn::Conv2dOptions;

PreviewDecoderImpl::PreviewDecoderImpl(const PreviewDecoderConfig& config, int64_t latent_channels) {
  const int64_t low = config.channels.at(0), high = config.channels.at(1);
  conv_in_ = register_module("conv_in", torch::nn::Conv2d(Conv2dOptions(latent_channels, low, 3).padding(1)));
  conv_mid_ = register_module("conv_mid", torch::nn::Conv2d(Conv2dOptions(low, low, 3).padding(1)));
  up_ = register_module("up", torch::nn::Conv2d(Conv2dOptions(low, 4 * high, 3).padding(1)));
  conv_high_ = register_module("conv_high", torch::nn::Conv2d(Conv2dOptions(high, high, 3).padding(1)));
  conv_out_ = register_module("conv_out", torch::nn::Conv2d(Conv2dOptions(high, 12, 3).padding(1)));
}

torch::Tensor PreviewDecoderImpl::forward(const torch::Tensor& latents) {
  // Like the real decoder, every convolution runs at ≤ H/2 and depth-to-space
  // makes the last two doublings of resolution.
  torch::Tensor h = torch::silu(conv_in_(latents));
  h = h + torch::silu(conv_mid_(h));
  h = torch::silu(torch::pixel_shuffle(up_(h), 2));
  h = h + torch::silu(conv_high_(h));
  return torch::pixel_shuffle(conv_out_(h), 2);
}

}  // namespace diffscope::ldm
