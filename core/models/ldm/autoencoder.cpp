#include "core/models/ldm/autoencoder.h"

namespace diffscope::ldm {

using torch::nn::Conv2dOptions;

EncoderImpl::EncoderImpl(const AutoencoderConfig& config, int64_t latent_channels) {
  const int64_t c1 = config.encoder_channels.at(0), c2 = config.encoder_channels.at(1);
  conv_in_ = register_module("conv_in", torch::nn::Conv2d(Conv2dOptions(12, c1, 3).padding(1)));
  block1_ = register_module("block1", ResBlock(c1, c1));
  down_ = register_module("down", torch::nn::Conv2d(Conv2dOptions(c1, c2, 3).stride(2).padding(1)));
  block2_ = register_module("block2", ResBlock(c2, c2));
  norm_out_ = register_module("norm_out", torch::nn::GroupNorm(norm_groups(c2), c2));
  conv_out_ = register_module("conv_out", torch::nn::Conv2d(Conv2dOptions(c2, 2 * latent_channels, 3).padding(1)));
}

std::pair<torch::Tensor, torch::Tensor> EncoderImpl::forward(const torch::Tensor& images) {
  torch::Tensor h = conv_in_(torch::pixel_unshuffle(images, 2));
  h = block2_(down_(block1_(h)));
  torch::Tensor moments = conv_out_(torch::silu(norm_out_(h)));
  auto halves = moments.chunk(2, 1);
  return {halves[0], halves[1].clamp(-30.0, 20.0)};
}

DecoderImpl::DecoderImpl(const AutoencoderConfig& config, int64_t latent_channels) {
  const int64_t c1 = config.decoder_channels.at(0), c2 = config.decoder_channels.at(1);
  conv_in_ = register_module("conv_in", torch::nn::Conv2d(Conv2dOptions(latent_channels, c1, 3).padding(1)));
  low_blocks_ = register_module("low_blocks", torch::nn::ModuleList());
  high_blocks_ = register_module("high_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.decoder_blocks; ++i) {
    low_blocks_->push_back(ResBlock(c1, c1));
    high_blocks_->push_back(ResBlock(c2, c2));
  }
  up_ = register_module("up", torch::nn::Conv2d(Conv2dOptions(c1, 4 * c2, 3).padding(1)));
  norm_out_ = register_module("norm_out", torch::nn::GroupNorm(norm_groups(c2), c2));
  conv_out_ = register_module("conv_out", torch::nn::Conv2d(Conv2dOptions(c2, 12, 3).padding(1)));
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& latents) {
  torch::Tensor h = conv_in_(latents);
  for (auto& block : *low_blocks_) h = block->as<ResBlock>()->forward(h);
  h = torch::pixel_shuffle(up_(h), 2);
  for (auto& block : *high_blocks_) h = block->as<ResBlock>()->forward(h);
  return torch::pixel_shuffle(conv_out_(torch::silu(norm_out_(h))), 2);
}

AutoencoderImpl::AutoencoderImpl(const AutoencoderConfig& config, int64_t latent_channels) {
  encoder = register_module("encoder", Encoder(config, latent_channels));
  decoder = register_module("decoder", Decoder(config, latent_channels));
}

}  // namespace diffscope::ldm
