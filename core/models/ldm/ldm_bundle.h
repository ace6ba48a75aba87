#pragma once
// The built-in latent diffusion model as a ModelBundle: text → the text
// encoder's tokens, the U-Net as the Network (v-prediction), and the
// autoencoder's decoder for latents → images.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/models/ldm/ldm_model.h"
#include "core/models/model_bundle.h"

namespace diffscope {

class LdmNetwork : public Network {
 public:
  explicit LdmNetwork(ldm::LdmModel& model);
  Prediction prediction() const override { return prediction_; }
  at::Tensor forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken& cancel) override;
  // The U-Net's weights' type; inputs are cast to it and outputs back to float32.
  void set_compute_type(at::ScalarType type) { compute_type_ = type; }

 private:
  ldm::LdmModel& model_;
  Prediction prediction_;
  at::ScalarType compute_type_ = at::kFloat;
};

class LdmBundle : public ModelBundle {
 public:
  // Takes a loaded (or freshly trained) model and moves it to `device`.
  LdmBundle(std::shared_ptr<ldm::LdmModel> model, const c10::Device& device);
  // The model stored as <dir>/<name>.json + <dir>/<name>.safetensors.
  static std::unique_ptr<LdmBundle> load(const std::filesystem::path& dir, const std::string& name,
                                         const c10::Device& device);

  // What a model with this config is and can do (before loading it).
  static ModelInfo describe(const ldm::LdmConfig& config);

  ModelInfo info() const override { return describe(model_->config); }
  const NoiseSchedule& schedule() const override { return schedule_; }
  Network& network() override { return network_; }
  at::Tensor encode_prompt(const std::string& prompt) override;
  std::vector<PromptWord> prompt_words(const std::string& prompt) const override;
  // Unknown words and text past what the text encoder reads.
  std::vector<std::string> prompt_warnings(const std::string& prompt) const override;
  void set_prompt_as_written(bool as_written) override { model_->tokenizer.set_nearest_caption(!as_written); }
  std::vector<int64_t> latent_shape(int width, int height) const override;
  at::Tensor decode(const at::Tensor& latents) override;
  at::Tensor encode_image(const at::Tensor& images) override;
  // The distilled preview decoder where the model has one, else the real decoder.
  at::Tensor preview(const at::Tensor& latents) override;

  // Runs the U-Net and the decoder in `type` (float32 or bfloat16); the
  // sampler, text encoder and encoder stay float32. bfloat16 halves the
  // memory traffic and uses the CPU's bf16 instructions where it has them.
  void set_compute_type(at::ScalarType type);
  at::ScalarType compute_type() const { return compute_type_; }

  // Words of the prompt the model never saw in training (they read as <unk>),
  // and whether the prompt is longer than the text encoder reads.
  std::vector<std::string> unknown_words(const std::string& prompt) const;
  bool prompt_is_cut(const std::string& prompt) const;

  ldm::LdmModel& model() { return *model_; }

 private:
  std::shared_ptr<ldm::LdmModel> model_;
  NoiseSchedule schedule_;
  LdmNetwork network_;
  at::ScalarType compute_type_ = at::kFloat;
};

}  // namespace diffscope
