#include "core/models/ldm/text_encoder.h"

namespace diffscope::ldm {

TextEncoderImpl::TextEncoderImpl(const TextConfig& config) {
  const auto vocabulary = static_cast<int64_t>(config.vocabulary.size());
  token_embedding_ = register_module("token_embedding", torch::nn::Embedding(vocabulary, config.width));
  position_embedding_ =
      register_parameter("position_embedding", torch::randn({config.max_tokens, config.width}) * 0.02);
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.layers; ++i) layers_->push_back(TransformerLayer(config.width, config.heads));
  final_norm_ = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.width})));
}

torch::Tensor TextEncoderImpl::forward(const torch::Tensor& tokens) {
  torch::Tensor h = token_embedding_(tokens) + position_embedding_.slice(0, 0, tokens.size(1));
  for (auto& layer : *layers_) h = layer->as<TransformerLayer>()->forward(h);
  return final_norm_(h);
}

}  // namespace diffscope::ldm
