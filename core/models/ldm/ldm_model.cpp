#include "core/models/ldm/ldm_model.h"

#include <set>

#include "core/common/errors.h"
#include "core/io/safetensors.h"

namespace diffscope::ldm {
namespace {

const char* const kParts[] = {"autoencoder.", "text_encoder.", "unet.", "preview_decoder."};

}  // namespace

LdmModel::LdmModel(LdmConfig config_in)
    : config(std::move(config_in)),
      tokenizer(config.text.vocabulary, config.text.max_tokens, config.text.word_split,
                NameAliases(config.text.aliases), config.text.captions, config.text.caption_styles),
      autoencoder(config.autoencoder, config.latent_channels),
      text_encoder(config.text),
      unet(config.unet, config.latent_channels, config.text.width) {
  if (!config.preview_decoder.channels.empty()) add_preview_decoder(config.preview_decoder);
}

void LdmModel::add_preview_decoder(const PreviewDecoderConfig& shape) {
  preview_decoder = PreviewDecoder(shape, config.latent_channels);
  config.preview_decoder = shape;
  if (!unet->parameters().empty()) preview_decoder->to(device());
  preview_decoder->train(unet->is_training());
}

std::vector<torch::Tensor> LdmModel::parameters() const {
  std::vector<torch::Tensor> all;
  for (const auto& [name, tensor] : tensors()) all.push_back(tensor);
  return all;
}

std::map<std::string, torch::Tensor> LdmModel::tensors() const {
  std::map<std::string, torch::Tensor> all;
  const torch::nn::Module* modules[] = {autoencoder.get(), text_encoder.get(), unet.get(),
                                        has_preview_decoder() ? preview_decoder.get() : nullptr};
  for (int i = 0; i < 4; ++i) {
    if (modules[i] == nullptr) continue;
    for (const auto& item : modules[i]->named_parameters()) all.emplace(kParts[i] + item.key(), item.value());
  }
  return all;
}

void LdmModel::load_tensors(const std::map<std::string, torch::Tensor>& source_tensors, const std::string& source) {
  torch::NoGradGuard no_grad;
  std::set<std::string> unused;
  for (const auto& [name, tensor] : source_tensors) unused.insert(name);
  for (auto& [name, parameter] : tensors()) {
    auto found = source_tensors.find(name);
    if (found == source_tensors.end()) throw Error(source + ": the weights lack '" + name + "'");
    if (found->second.sizes() != parameter.sizes()) {
      throw Error(source + ": '" + name + "' has shape " + c10::str(found->second.sizes()) + ", the config needs " +
                  c10::str(parameter.sizes()));
    }
    if (!at::isFloatingType(found->second.scalar_type()))
      throw Error(source + ": '" + name + "' is not floating point");
    parameter.copy_(found->second);
    unused.erase(name);
  }
  if (!unused.empty())
    throw Error(source + ": unexpected tensor '" + *unused.begin() + "' (weights of another model?)");
  for (const auto& [name, parameter] : tensors()) {
    if (!torch::isfinite(parameter).all().item<bool>()) throw Error(source + ": '" + name + "' holds NaN or ∞");
  }
}

LdmModel LdmModel::load(const std::filesystem::path& config_path, const std::filesystem::path& weights_path) {
  LdmModel model(load_config(config_path));
  SafetensorsFile file = SafetensorsFile::open(weights_path);
  std::map<std::string, torch::Tensor> loaded;
  for (const auto& entry : file.entries()) loaded.emplace(entry.name, file.tensor(entry.name));
  model.load_tensors(loaded, weights_path.string());
  model.train(false);
  return model;
}

void LdmModel::save(const std::filesystem::path& config_path, const std::filesystem::path& weights_path) const {
  std::map<std::string, torch::Tensor> contiguous;
  for (const auto& [name, tensor] : tensors()) contiguous.emplace(name, tensor.detach().contiguous());
  write_safetensors(weights_path, contiguous, {{"format", "diffscope-ldm"}, {"name", config.name}});
  save_config(config, config_path);
}

void LdmModel::to(const torch::Device& target) {
  autoencoder->to(target);
  text_encoder->to(target);
  unet->to(target);
  if (has_preview_decoder()) preview_decoder->to(target);
}

torch::Device LdmModel::device() const { return unet->parameters().front().device(); }

void LdmModel::train(bool on) {
  autoencoder->train(on);
  text_encoder->train(on);
  unet->train(on);
  if (has_preview_decoder()) preview_decoder->train(on);
}

torch::Tensor LdmModel::tokenize(const std::vector<std::string>& prompts) const {
  const int64_t length = tokenizer.max_tokens();
  torch::Tensor ids = torch::empty({static_cast<int64_t>(prompts.size()), length}, torch::kLong);
  auto* out = ids.data_ptr<int64_t>();
  for (const auto& prompt : prompts) {
    for (int64_t id : tokenizer.encode(prompt)) *out++ = id;
  }
  return ids.to(device());
}

torch::Tensor LdmModel::encode_images(const torch::Tensor& images) {
  return autoencoder->encoder->forward(images).first * config.latent_scale;
}

torch::Tensor LdmModel::decode_latents(const torch::Tensor& latents) {
  return autoencoder->decoder->forward(latents / config.latent_scale);
}

torch::Tensor LdmModel::preview_latents(const torch::Tensor& latents) {
  if (!has_preview_decoder()) return decode_latents(latents);
  return preview_decoder->forward(latents / config.latent_scale);
}

}  // namespace diffscope::ldm
