#pragma once
// The built-in model's architecture and sampling settings, kept as a JSON file
// beside its weights so that the weights alone never decide the shapes.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/models/ldm/word_tokenizer.h"

namespace diffscope::ldm {

struct AutoencoderConfig {
  std::vector<int64_t> encoder_channels{48, 64};  // at H/2 and H/4
  std::vector<int64_t> decoder_channels{96, 48};  // at H/4 and H/2
  int64_t decoder_blocks = 1;                     // residual blocks per decoder level
};

struct TextConfig {
  std::vector<std::string> vocabulary;      // ids 0..2 are <pad>, <unk>, <start>
  WordSplit word_split = WordSplit::Bytes;  // "word_split"; absent in the first models' configs
  int64_t max_tokens = 24;
  int64_t width = 128;
  int64_t layers = 2;
  int64_t heads = 4;
  // Names in other words → the caption words they stand for (name_aliases.h),
  // kept in a file of their own (name_aliases_file.h), not in the config's JSON.
  std::map<std::string, std::string> aliases;
  // Each trained emoji's words, for reading a prompt as its nearest caption
  // (nearest_caption.h), and the style words kept as written; in the same file.
  CaptionPhrases captions;
  std::vector<std::string> caption_styles;
  // Set by load_config when it skipped that file (NameAliasesFile::Skip, a
  // cheap look at a model): the file is there, so the loaded model will have
  // captions. (A version-1 file, of models before session 28, holds none;
  // such a model reads every prompt as written anyway.)
  bool captions_beside = false;
};

struct UNetConfig {
  std::vector<int64_t> channels{32, 64, 128};  // at h, h/2, h/4 of the latent
  int64_t heads = 4;
  int64_t time_dim = 128;
  // Also condition every residual block on the whole prompt: the text
  // encoder's first output (the <start> token, which attends to every word)
  // projected into the timestep embedding, as Imagen adds its pooled text
  // embedding: a global signal of which emoji is asked for, besides
  // cross-attention (tried in one candidate so far: model card). Off in
  // models trained before it.
  bool pooled_text = false;
};

// The distilled preview decoder (preview_decoder.h); no channels: the model
// has none and previews run the real decoder.
struct PreviewDecoderConfig {
  std::vector<int64_t> channels;  // at H/4 and H/2, e.g. {48, 24}
};

// Fewer steps that still give the default picture, as measured for this
// model (its model card): the app offers them as "Fast", the CLI as --fast.
// steps 0: none measured.
struct FastSettingConfig {
  std::string sampler;  // a sampler name (`diffscope-cli samplers`)
  int64_t steps = 0;
};

struct LdmConfig {
  std::string name = "diffscope-emoji";
  int64_t image_size = 64;
  int64_t latent_channels = 4;
  int64_t downsample = 4;     // image side / latent side
  double latent_scale = 1.0;  // latents are multiplied by this before diffusion
  std::string prediction = "v";
  std::string schedule = "scaled-linear";
  double default_cfg_scale = 4.0;
  AutoencoderConfig autoencoder;
  TextConfig text;
  UNetConfig unet;
  PreviewDecoderConfig preview_decoder;
  FastSettingConfig fast_setting;
};

nlohmann::json config_to_json(const LdmConfig& config);
// Throws diffscope::Error naming the field for missing, mistyped or absurd values.
LdmConfig config_from_json(const nlohmann::json& json);

// Skip: what describing a model needs (the UI thread does it), without the
// name aliases' file beside the config, which only loading the model reads.
enum class NameAliasesFile { Read, Skip };
// The config, and its name aliases from name_aliases_path(path) where that
// file exists.
LdmConfig load_config(const std::filesystem::path& path, NameAliasesFile aliases = NameAliasesFile::Read);
// Writes the config and, beside it, its name aliases (removing an old aliases
// file when it has none).
void save_config(const LdmConfig& config, const std::filesystem::path& path);

}  // namespace diffscope::ldm
