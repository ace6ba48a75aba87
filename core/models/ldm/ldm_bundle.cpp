#include "core/models/ldm/ldm_bundle.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdlib>

#include "core/common/errors.h"
#include "core/common/text.h"

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

std::vector<PromptWord> LdmBundle::prompt_words(const std::string& prompt) const {
  // <start>, then one token per word, cut where the text encoder stops reading.
  std::vector<PromptWord> words = {{kStartTokenWord, {0}}};
  const std::vector<std::string> read_words = model_->tokenizer.read_words(prompt);
  const size_t read = std::min<size_t>(read_words.size(), static_cast<size_t>(model_->tokenizer.max_words()));
  for (size_t i = 0; i < read; ++i) add_word_position(words, read_words[i], static_cast<int64_t>(i) + 1);
  return words;
}

ModelInfo LdmBundle::describe(const ldm::LdmConfig& config) {
  ModelInfo info;
  info.kind = ModelKind::BuiltIn;
  info.name = config.name;
  info.family = "DiffScope LDM";
  info.prediction = prediction_by_name(config.prediction);
  info.prediction_source = "model config";
  info.text.encoder = "word-level transformer";
  info.text.context_dim = config.text.width;
  info.text.max_tokens = config.text.max_tokens;
  info.text.nearest_caption = !config.text.captions.empty() || config.text.captions_beside;
  info.sizes = {int(config.image_size), int(config.image_size), 1, int(config.image_size)};
  info.default_cfg = config.default_cfg_scale;
  info.default_steps = 20;
  if (config.fast_setting.steps > 0) {
    info.fast = {sampler_by_name(config.fast_setting.sampler).id, int(config.fast_setting.steps)};
  }
  info.schedule = config.schedule;  // a trained network only knows its own
  const bool fast_preview = !config.preview_decoder.channels.empty();
  info.preview = fast_preview ? PreviewMethod::PreviewDecoder : PreviewMethod::Exact;
  info.preview_note = fast_preview ? "fast preview decoder" : "";
  // bfloat16 was slower than float32 for this small model even with bf16
  // instructions (docs/PERFORMANCE.md): opt-in only.
  info.precisions.bfloat16 = true;
  info.small_operators = true;
  info.options.word_maps = true;
  info.options.image_to_image = true;  // its autoencoder's encoder ships with it
  // Weights (a few million parameters, held with their working copies) and
  // activations of a few MB per image at 64×64, scaling with the pixels.
  info.memory.fixed_bytes = uint64_t(64) << 20;
  info.memory.activation_elements_per_item_pixel = 256;
  info.memory.history_bytes_per_item_pixel = 3 * (4 + 4 * 3);
  return info;
}

std::vector<std::string> LdmBundle::prompt_warnings(const std::string& prompt) const {
  std::vector<std::string> warnings;
  const auto caption = model_->tokenizer.nearest_caption(prompt);
  if (caption) {
    // A pasted page can match hundreds of words: name the first few.
    constexpr size_t kListed = 8;
    const std::vector<std::string> first(caption->matched.begin(),
                                         caption->matched.begin() + long(std::min(kListed, caption->matched.size())));
    const std::string more = caption->matched.size() > kListed
                                 ? " and " + std::to_string(caption->matched.size() - kListed) + " more"
                                 : "";
    warnings.push_back("read as the nearest caption the model was trained on: " + caption->name + " (by " +
                       join(first, ", ") + more + ")");
  }
  // The caption index cuts by the Unicode rule, the model perhaps by bytes:
  // of a byte word ("红色苹果") whose Unicode words ("苹", "果") chose the
  // caption, only the others ("红", "色") are left out.
  const auto was_matched = [&](const std::string& word) {
    return caption && std::find(caption->matched.begin(), caption->matched.end(), word) != caption->matched.end();
  };
  std::vector<std::string> unknown;
  const auto add_unknown = [&](std::string word) {
    if (std::find(unknown.begin(), unknown.end(), word) == unknown.end()) unknown.push_back(std::move(word));
  };
  for (auto& word : unknown_words(prompt)) {
    const std::vector<std::string> pieces = ldm::split_words(word, ldm::WordSplit::Unicode);
    if (!std::any_of(pieces.begin(), pieces.end(), was_matched)) {
      add_unknown(std::move(word));
      continue;
    }
    for (const auto& piece : pieces) {
      if (!was_matched(piece)) add_unknown(piece);
    }
  }
  if (!unknown.empty()) {
    warnings.push_back("the model never saw these words and leaves them out: " + join(unknown, ", "));
  }
  std::vector<std::string> aliases;
  for (const auto& use : model_->tokenizer.alias_uses(prompt)) aliases.push_back(use.written + " → " + use.read_as);
  if (!aliases.empty()) warnings.push_back("read in the words the model was trained on: " + join(aliases, ", "));
  if (prompt_is_cut(prompt)) {
    warnings.push_back("the prompt is longer than the model reads; words after the first " +
                       std::to_string(model_->tokenizer.max_words()) + " are ignored");
  }
  return warnings;
}

std::vector<std::string> LdmBundle::unknown_words(const std::string& prompt) const {
  return model_->tokenizer.unknown_words(prompt);
}

bool LdmBundle::prompt_is_cut(const std::string& prompt) const {
  return static_cast<int64_t>(model_->tokenizer.read_words(prompt).size()) > model_->tokenizer.max_words();
}

std::vector<int64_t> LdmBundle::latent_shape(int width, int height) const {
  const auto& config = model_->config;
  if (width != config.image_size || height != config.image_size) {
    throw Error("the model '" + config.name + "' draws " + std::to_string(config.image_size) + "×" +
                std::to_string(config.image_size) + " images; " + std::to_string(width) + "×" + std::to_string(height) +
                " was asked for");
  }
  const int64_t side = config.image_size / config.downsample;
  return {config.latent_channels, side, side};
}

at::Tensor LdmBundle::decode(const at::Tensor& latents) {
  c10::InferenceMode inference;  // no autograd bookkeeping at all: less per-operator overhead
  return model_->decode_latents(latents.to(compute_type_)).to(latents.scalar_type());
}

at::Tensor LdmBundle::encode_image(const at::Tensor& images) {
  c10::InferenceMode inference;
  return model_->encode_images(images.to(at::kFloat)).to(images.scalar_type());  // the encoder stays float32
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

}  // namespace diffscope
