#pragma once
// The built-in latent diffusion model in one object: its config, tokenizer,
// autoencoder, text encoder and U-Net, and the safetensors weights file that
// holds all three networks ("autoencoder.*", "text_encoder.*", "unet.*"), and
// the distilled preview decoder ("preview_decoder.*") where the config has one.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/models/ldm/autoencoder.h"
#include "core/models/ldm/ldm_config.h"
#include "core/models/ldm/preview_decoder.h"
#include "core/models/ldm/text_encoder.h"
#include "core/models/ldm/unet.h"
#include "core/models/ldm/word_tokenizer.h"

namespace diffscope::ldm {

class LdmModel {
 public:
  // Freshly initialised networks (for training), seeded by the caller.
  explicit LdmModel(LdmConfig config);

  // Reads <stem>.json and <stem>.safetensors; every tensor must be there with
  // the config's shape and nothing else may be: otherwise an Error that names
  // the file and the tensor.
  static LdmModel load(const std::filesystem::path& config_path, const std::filesystem::path& weights_path);
  void save(const std::filesystem::path& config_path, const std::filesystem::path& weights_path) const;

  // Every parameter by its file name, and a copy-in from such a map.
  std::map<std::string, torch::Tensor> tensors() const;
  void load_tensors(const std::map<std::string, torch::Tensor>& tensors, const std::string& source);
  std::vector<torch::Tensor> parameters() const;

  void to(const torch::Device& device);
  torch::Device device() const;
  void train(bool on);

  // Token ids (B, max_tokens) for prompts, on the model's device.
  torch::Tensor tokenize(const std::vector<std::string>& prompts) const;
  // Images (B, 3, H, W) in [−1, 1] → diffusion latents (scaled posterior means).
  torch::Tensor encode_images(const torch::Tensor& images);
  // Diffusion latents → images in [−1, 1].
  torch::Tensor decode_latents(const torch::Tensor& latents);
  // The same through the preview decoder where the model has one (else the real decoder).
  torch::Tensor preview_latents(const torch::Tensor& latents);
  bool has_preview_decoder() const { return !preview_decoder.is_empty(); }
  // A freshly initialised preview decoder of that shape (for distillation),
  // replacing any the model has; the config records it.
  void add_preview_decoder(const PreviewDecoderConfig& shape);

  LdmConfig config;
  WordTokenizer tokenizer;
  Autoencoder autoencoder;
  TextEncoder text_encoder;
  UNet unet;
  PreviewDecoder preview_decoder{nullptr};
};

}  // namespace diffscope::ldm
