#include "core/models/ldm/ldm_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <type_traits>

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/text_file.h"
#include "core/models/ldm/name_aliases_file.h"
#include "core/sampling/sampler.h"

namespace diffscope::ldm {
namespace {

using nlohmann::json;

// Whether `value` holds a T as written, not only one JSON would convert: a
// float (5e59) cast to an integer is undefined behaviour, true is no count.
template <typename T>
bool holds(const json& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value.is_boolean();
  } else if constexpr (std::is_integral_v<T>) {
    return value.is_number_integer();
  } else if constexpr (std::is_floating_point_v<T>) {
    return value.is_number();
  } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    return value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) { return holds<int64_t>(v); });
  } else {
    return true;  // strings and lists of them: get<T> checks their type
  }
}

template <typename T>
T field(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) throw Error(where + ": '" + key + "' is missing");
  try {
    if (!holds<T>(object.at(key))) throw Error(where + ": '" + key + "' has the wrong type");
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw Error(where + ": '" + key + "' has the wrong type");
  }
}

int64_t bounded(int64_t value, int64_t low, int64_t high, const std::string& what) {
  if (value < low || value > high) {
    throw Error(what + " is " + std::to_string(value) + ", outside " + std::to_string(low) + ".." +
                std::to_string(high));
  }
  return value;
}

std::vector<int64_t> channel_list(const json& object, const char* key, size_t count, const std::string& where) {
  auto channels = field<std::vector<int64_t>>(object, key, where);
  if (channels.size() != count) throw Error(where + ": '" + key + "' needs " + std::to_string(count) + " entries");
  for (int64_t c : channels) bounded(c, 1, 4096, where + "." + key);
  return channels;
}

}  // namespace

json config_to_json(const LdmConfig& c) {
  json j = {
      {"format", "diffscope-ldm"},
      {"version", 1},
      {"name", c.name},
      {"image_size", c.image_size},
      {"latent_channels", c.latent_channels},
      {"downsample", c.downsample},
      {"latent_scale", c.latent_scale},
      {"prediction", c.prediction},
      {"schedule", c.schedule},
      {"default_cfg_scale", c.default_cfg_scale},
      {"autoencoder",
       {{"encoder_channels", c.autoencoder.encoder_channels},
        {"decoder_channels", c.autoencoder.decoder_channels},
        {"decoder_blocks", c.autoencoder.decoder_blocks}}},
      {"text",
       {{"max_tokens", c.text.max_tokens},
        {"width", c.text.width},
        {"layers", c.text.layers},
        {"heads", c.text.heads},
        {"word_split", word_split_name(c.text.word_split)},
        {"vocabulary", c.text.vocabulary}}},
      {"unet", {{"channels", c.unet.channels}, {"heads", c.unet.heads}, {"time_dim", c.unet.time_dim}}},
  };
  if (c.unet.pooled_text) j["unet"]["pooled_text"] = true;
  if (!c.preview_decoder.channels.empty()) j["preview_decoder"] = {{"channels", c.preview_decoder.channels}};
  if (c.fast_setting.steps > 0) {
    j["fast_setting"] = {{"sampler", c.fast_setting.sampler}, {"steps", c.fast_setting.steps}};
  }
  return j;
}

namespace {

LdmConfig parse_config(const json& j) {
  const std::string where = "model config";
  if (!j.is_object()) throw Error(where + " is not a JSON object");
  if (field<std::string>(j, "format", where) != "diffscope-ldm") throw Error(where + ": not a diffscope-ldm config");
  if (field<int>(j, "version", where) != 1) throw Error(where + ": unsupported version (this build reads 1)");
  LdmConfig c;
  c.name = field<std::string>(j, "name", where);
  c.image_size = bounded(field<int64_t>(j, "image_size", where), 8, 4096, "image_size");
  c.latent_channels = bounded(field<int64_t>(j, "latent_channels", where), 1, 64, "latent_channels");
  c.downsample = field<int64_t>(j, "downsample", where);
  if (c.downsample != 4) throw Error(where + ": only a downsampling factor of 4 is supported");
  if (c.image_size % 16 != 0) throw Error(where + ": image_size must be a multiple of 16");
  c.latent_scale = field<double>(j, "latent_scale", where);
  if (!(c.latent_scale > 0 && c.latent_scale < 1e3)) throw Error(where + ": latent_scale must be positive");
  c.prediction = field<std::string>(j, "prediction", where);
  c.schedule = field<std::string>(j, "schedule", where);
  c.default_cfg_scale = field<double>(j, "default_cfg_scale", where);

  const json& ae = j.at("autoencoder");
  c.autoencoder.encoder_channels = channel_list(ae, "encoder_channels", 2, "autoencoder");
  c.autoencoder.decoder_channels = channel_list(ae, "decoder_channels", 2, "autoencoder");
  c.autoencoder.decoder_blocks = bounded(field<int64_t>(ae, "decoder_blocks", "autoencoder"), 1, 8, "decoder_blocks");

  const json& text = j.at("text");
  c.text.max_tokens = bounded(field<int64_t>(text, "max_tokens", "text"), 2, 512, "text.max_tokens");
  c.text.width = bounded(field<int64_t>(text, "width", "text"), 8, 4096, "text.width");
  c.text.layers = bounded(field<int64_t>(text, "layers", "text"), 1, 64, "text.layers");
  c.text.heads = bounded(field<int64_t>(text, "heads", "text"), 1, 64, "text.heads");
  c.text.vocabulary = field<std::vector<std::string>>(text, "vocabulary", "text");
  if (text.contains("word_split")) {
    c.text.word_split = word_split_by_name(field<std::string>(text, "word_split", "text"));
  }
  if (c.text.vocabulary.size() < 3 || c.text.vocabulary.size() > 1'000'000) {
    throw Error(where + ": the vocabulary must hold between 3 and 1,000,000 words");
  }
  if (c.text.width % c.text.heads != 0) throw Error(where + ": text.width must be a multiple of text.heads");

  const json& unet = j.at("unet");
  c.unet.channels = channel_list(unet, "channels", 3, "unet");
  c.unet.heads = bounded(field<int64_t>(unet, "heads", "unet"), 1, 64, "unet.heads");
  c.unet.time_dim = bounded(field<int64_t>(unet, "time_dim", "unet"), 8, 4096, "unet.time_dim");
  if (unet.contains("pooled_text")) c.unet.pooled_text = field<bool>(unet, "pooled_text", "unet");
  for (int64_t ch : {c.unet.channels[1], c.unet.channels[2]}) {
    if (ch % c.unet.heads != 0) throw Error(where + ": U-Net channels must be multiples of unet.heads");
  }
  if (j.contains("preview_decoder")) {
    c.preview_decoder.channels = channel_list(j.at("preview_decoder"), "channels", 2, "preview_decoder");
  }
  if (j.contains("fast_setting")) {
    const json& fast = j.at("fast_setting");
    c.fast_setting.sampler = field<std::string>(fast, "sampler", "fast_setting");
    sampler_by_name(c.fast_setting.sampler);  // an unknown name is an Error naming the samplers
    c.fast_setting.steps = bounded(field<int64_t>(fast, "steps", "fast_setting"), 1, 1000, "fast_setting.steps");
  }
  return c;
}

}  // namespace

LdmConfig config_from_json(const json& j) {
  try {
    return parse_config(j);
  } catch (const json::exception& e) {
    throw Error(std::string("model config is incomplete: ") + e.what());
  }
}

LdmConfig load_config(const std::filesystem::path& path, NameAliasesFile aliases) {
  const json j = read_json_file(path, "the model config");
  LdmConfig config;
  try {
    config = config_from_json(j);
  } catch (const Error& e) {
    throw Error(path.string() + ": " + e.what());
  }
  const std::filesystem::path aliases_path = name_aliases_path(path);
  std::error_code error;
  if (aliases == NameAliasesFile::Skip) config.text.captions_beside = std::filesystem::exists(aliases_path, error);
  if (aliases == NameAliasesFile::Read && std::filesystem::exists(aliases_path, error)) {
    PeoplesWords words = load_name_aliases(aliases_path);
    config.text.aliases = std::move(words.aliases);
    config.text.captions = std::move(words.captions);
    config.text.caption_styles = std::move(words.styles);
  }
  return config;
}

void save_config(const LdmConfig& config, const std::filesystem::path& path) {
  write_file_atomically(path, config_to_json(config).dump(1) + "\n");
  const std::filesystem::path aliases_path = name_aliases_path(path);
  const PeoplesWords words{config.text.aliases, config.text.captions, config.text.caption_styles};
  if (!words.empty()) {
    save_name_aliases(words, aliases_path);
  } else {
    // A stale file would give the model aliases it no longer has.
    std::error_code error;
    std::filesystem::remove(aliases_path, error);
    if (error) throw Error("cannot remove the old name aliases " + aliases_path.string() + ": " + error.message());
  }
}

}  // namespace diffscope::ldm
