#include "core/models/ldm/unet.h"

#include <cmath>

namespace diffscope::ldm {

using torch::nn::Conv2dOptions;

UNetImpl::UNetImpl(const UNetConfig& config, int64_t latent_channels, int64_t context_width) : frequency_count_(32) {
  const int64_t c0 = config.channels.at(0), c1 = config.channels.at(1), c2 = config.channels.at(2);
  const int64_t td = config.time_dim, heads = config.heads;
  time_in_ = register_module("time_in", torch::nn::Linear(2 * frequency_count_, td));
  time_out_ = register_module("time_out", torch::nn::Linear(td, td));
  if (config.pooled_text) text_to_time_ = register_module("text_to_time", torch::nn::Linear(context_width, td));
  conv_in_ = register_module("conv_in", torch::nn::Conv2d(Conv2dOptions(latent_channels, c0, 3).padding(1)));
  enc0_ = register_module("enc0", ResBlock(c0, c0, td));
  down0_ = register_module("down0", torch::nn::Conv2d(Conv2dOptions(c0, c1, 3).stride(2).padding(1)));
  enc1_ = register_module("enc1", ResBlock(c1, c1, td));
  enc1_attn_ = register_module("enc1_attn", SpatialTransformer(c1, heads, context_width));
  down1_ = register_module("down1", torch::nn::Conv2d(Conv2dOptions(c1, c2, 3).stride(2).padding(1)));
  enc2_ = register_module("enc2", ResBlock(c2, c2, td));
  enc2_attn_ = register_module("enc2_attn", SpatialTransformer(c2, heads, context_width));
  mid_ = register_module("mid", ResBlock(c2, c2, td));
  dec2_ = register_module("dec2", ResBlock(2 * c2, c2, td));
  dec2_attn_ = register_module("dec2_attn", SpatialTransformer(c2, heads, context_width));
  up2_ = register_module("up2", torch::nn::Conv2d(Conv2dOptions(c2, c1, 3).padding(1)));
  dec1_ = register_module("dec1", ResBlock(2 * c1, c1, td));
  dec1_attn_ = register_module("dec1_attn", SpatialTransformer(c1, heads, context_width));
  up1_ = register_module("up1", torch::nn::Conv2d(Conv2dOptions(c1, c0, 3).padding(1)));
  dec0_ = register_module("dec0", ResBlock(2 * c0, c0, td));
  norm_out_ = register_module("norm_out", torch::nn::GroupNorm(norm_groups(c0), c0));
  conv_out_ = register_module("conv_out", torch::nn::Conv2d(Conv2dOptions(c0, latent_channels, 3).padding(1)));
}

torch::Tensor UNetImpl::time_embedding(const torch::Tensor& timesteps) {
  // Frequencies from 1 to 1/10000 (the transformer's positional encoding),
  // always in float32: bfloat16 could not even tell t = 997 from t = 1000.
  const torch::Tensor t = timesteps.to(torch::kFloat);
  torch::Tensor frequencies =
      torch::exp(torch::arange(frequency_count_, t.options()) * (-std::log(10000.0) / double(frequency_count_)));
  torch::Tensor angles = t.unsqueeze(1) * frequencies.unsqueeze(0);
  torch::Tensor features = torch::cat({angles.sin(), angles.cos()}, 1).to(time_in_->weight.scalar_type());
  return time_out_(torch::silu(time_in_(features)));
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& timesteps, const torch::Tensor& context) {
  namespace F = torch::nn::functional;
  const auto upsample = F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest);
  torch::Tensor time = time_embedding(timesteps);
  if (text_to_time_) time = time + text_to_time_(context.select(1, 0));
  torch::Tensor h0 = enc0_(conv_in_(x), time);
  torch::Tensor h1 = enc1_attn_(enc1_(down0_(h0), time), context);
  torch::Tensor h2 = enc2_attn_(enc2_(down1_(h1), time), context);
  torch::Tensor h = mid_(h2, time);
  h = dec2_attn_(dec2_(torch::cat({h, h2}, 1), time), context);
  h = up2_(F::interpolate(h, upsample));
  h = dec1_attn_(dec1_(torch::cat({h, h1}, 1), time), context);
  h = up1_(F::interpolate(h, upsample));
  h = dec0_(torch::cat({h, h0}, 1), time);
  return conv_out_(torch::silu(norm_out_(h)));
}

}  // namespace diffscope::ldm
