#include "core/models/ldm/ldm_bundle.h"

#include <c10/core/InferenceMode.h>

#include <cstdlib>

#include "core/common/errors.h"

namespace diffscope {

LdmNetwork::LdmNetwork(ldm::LdmModel& model)
    : model_(model), prediction_(prediction_by_name(model.config.prediction)) {}

at::Tensor LdmNetwork::forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken& cancel) {
  cancel.throw_if_cancelled();
  c10::InferenceMode inference;  // no autograd bookkeeping at all: less per-operator overhead
  at::Tensor timesteps = at::full({x_t.size(0)}, t, x_t.options().dtype(at::kFloat));
  at::Tensor expanded = context.size(0) == x_t.size(0) ? context : context.expand({x_t.size(0), -1, -1});
  return model_.unet->forward(x_t.to(compute_type_), timesteps, expanded.to(compute_type_)).to(x_t.scalar_type());
}

LdmBundle::LdmBundle(std::shared_ptr<ldm::LdmModel> model, const c10::Device& device)
    : model_(std::move(model)), schedule_(NoiseSchedule::by_name(model_->config.schedule)), network_(*model_) {
  model_->to(device);
  model_->train(false);
}

std::unique_ptr<LdmBundle> LdmBundle::load(const std::filesystem::path& dir, const std::string& name,
                                           const c10::Device& device) {
  const std::filesystem::path config = dir / (name + ".json"), weights = dir / (name + ".safetensors");
  if (!std::filesystem::exists(config) || !std::filesystem::exists(weights)) {
    throw Error("the model '" + name + "' is not installed: " + config.string() + " and " + weights.string() +
                " are needed");
  }
  return std::make_unique<LdmBundle>(std::make_shared<ldm::LdmModel>(ldm::LdmModel::load(config, weights)), device);
}

at::Tensor LdmBundle::encode_prompt(const std::string& prompt) {
  c10::InferenceMode inference;  // no autograd bookkeeping at all: less per-operator overhead
  return model_->text_encoder->forward(model_->tokenize({prompt}));
}

std::vector<std::string> LdmBundle::unknown_words(const std::string& prompt) const {
  return model_->tokenizer.unknown_words(prompt);
}

bool LdmBundle::prompt_is_cut(const std::string& prompt) const {
  return static_cast<int64_t>(ldm::split_words(prompt).size()) > model_->tokenizer.max_words();
}

std::vector<int64_t> LdmBundle::latent_shape(int width, int height) const {
  const auto& config = model_->config;
  if (width != config.image_size || height != config.image_size) {
    throw Error("the model '" + config.name + "' draws " + std::to_string(config.image_size) + "×" +
                std::to_string(config.image_size) + " images; " + std::to_string(width) + "×" +
                std::to_string(height) + " was asked for");
  }
  const int64_t side = config.image_size / config.downsample;
  return {config.latent_channels, side, side};
}

at::Tensor LdmBundle::decode(const at::Tensor& latents) {
  c10::InferenceMode inference;  // no autograd bookkeeping at all: less per-operator overhead
  return model_->decode_latents(latents.to(compute_type_)).to(latents.scalar_type());
}

at::Tensor LdmBundle::preview(const at::Tensor& latents) {
  c10::InferenceMode inference;
  return model_->preview_latents(latents.to(compute_type_)).to(latents.scalar_type());
}

void LdmBundle::set_compute_type(at::ScalarType type) {
  if (type != at::kFloat && type != at::kBFloat16) throw Error("the built-in model runs in float32 or bfloat16");
  model_->unet->to(type);
  model_->autoencoder->decoder->to(type);
  if (model_->has_preview_decoder()) model_->preview_decoder->to(type);
  network_.set_compute_type(type);
  compute_type_ = type;
}

at::ScalarType default_compute_type(const c10::Device& device) {
  if (const char* asked = std::getenv("DIFFSCOPE_PRECISION"); asked != nullptr && asked[0] != '\0') {
    const std::string name = asked;
    if (name == "float32") return at::kFloat;
    if (name == "bfloat16") return at::kBFloat16;
    throw Error("DIFFSCOPE_PRECISION must be float32 or bfloat16, not '" + name + "'");
  }
  // Measured on a 2-core AVX-512 BF16 VM, bfloat16 was slower than float32
  // for this small model (docs/PERFORMANCE.md), so it is opt-in.
  (void)device;
  return at::kFloat;
}

}  // namespace diffscope
