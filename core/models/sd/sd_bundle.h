#pragma once
// A Stable Diffusion 1.x / 2.x checkpoint as a ModelBundle: CLIP tokenizer
// (A1111 emphasis and 75-token chunks) and text tower, the U-Net as the
// Network, the VAE for decoding, and a cheap latent → RGB projection for the
// per-step previews. ε- or v-prediction comes from the folder's
// scheduler_config.json, a setting, or (SD 2.x) A1111's test forward pass.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/models/adapters/embedding_table.h"
#include "core/models/adapters/lora_merger.h"
#include "core/models/model_bundle.h"
#include "core/models/sd/clip_text_encoder.h"
#include "core/models/sd/sd_checkpoint.h"
#include "core/models/sd/sd_unet.h"
#include "core/models/sd/sd_vae.h"
#include "core/models/sd/taesd_decoder.h"
#include "core/text/clip_tokenizer.h"

namespace diffscope {

struct SdLoadOptions {
  std::filesystem::path checkpoint;      // .safetensors file or diffusers folder
  std::filesystem::path vae;             // optional VAE override file
  std::string tokenizer;                 // optional tokenizer file or folder
  std::string preview_decoder;           // TAESD: "" looks beside the checkpoint, "none", or a file
  std::optional<Prediction> prediction;  // unset: scheduler_config.json, SD 1.x's ε, or A1111's test
  at::ScalarType compute_type = at::kFloat;
  c10::Device device{c10::kCPU};
  // Called as tensors are read (bytes done, bytes in all); may throw Cancelled.
  std::function<void(uint64_t, uint64_t)> progress;
  CancelToken cancel;
};

class SdNetwork : public Network {
 public:
  SdNetwork(sd::SdUnet& unet, Prediction prediction) : unet_(unet), prediction_(prediction) {}
  Prediction prediction() const override { return prediction_; }
  at::Tensor forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken& cancel) override;
  void set_image_conditioning(const at::Tensor& image) { image_ = image; }  // an inpainting U-Net's

 private:
  sd::SdUnet& unet_;
  Prediction prediction_;
  at::Tensor image_;
};

class SdBundle : public ModelBundle {
 public:
  // Throws Error naming the file and tensor for anything it cannot use, and
  // Cancelled when options.cancel fires while loading.
  static std::unique_ptr<SdBundle> load(const SdLoadOptions& options);
  ~SdBundle() override;

  // What the checkpoint at `path` is and can do, from its tensor table and
  // configs (nothing is read but headers); Error for files it cannot use.
  static ModelInfo describe(const std::filesystem::path& path);
  // The same from what opening it found; `parameters`: its tensors' elements;
  // image sides must be multiples of `size_multiple` (64 for SD 1.x/2.x).
  static ModelInfo describe(const sd::CheckpointInfo& checkpoint, uint64_t parameters, int size_multiple = 64);

  // With the prediction type as loading decided it and the schedule it runs.
  ModelInfo info() const override;
  const NoiseSchedule& schedule() const override { return schedule_; }
  Network& network() override { return *network_; }
  at::Tensor encode_prompt(const std::string& prompt) override;
  std::vector<PromptWord> prompt_words(const std::string& prompt) const override;
  at::Tensor pad_conditioning(const at::Tensor& conditioning, int64_t tokens) override;
  std::vector<int64_t> latent_shape(int width, int height) const override;
  at::Tensor decode(const at::Tensor& latents) override;
  at::Tensor preview(const at::Tensor& latents) override;
  at::Tensor encode_image(const at::Tensor& images) override;

  // What loading read: every tensor of the files was taken by a network or
  // skipped as a known non-weight (schedule buffers, EMA counters), once.
  struct LoadReport {
    size_t taken = 0, skipped = 0;
  };
  const LoadReport& load_report() const { return load_report_; }

  // Also re-encodes the empty chunk that pads shorter prompts.
  void set_clip_skip(int clip_skip) override;
  void set_image_conditioning(const at::Tensor& image) override { network_->set_image_conditioning(image); }
  void set_loras(const std::vector<LoraUse>& loras, const CancelToken& cancel) override;
  void set_embeddings(const EmbeddingScan& scan) override;
  std::vector<UsedEmbedding> embeddings_used() const override { return embeddings_->used(); }
  const sd::CheckpointInfo& checkpoint() const { return info_; }
  Prediction prediction() const { return network_->prediction(); }
  // Where the prediction type came from: "setting", "scheduler_config.json",
  // "SD 1.x default" or "test forward pass".
  const std::string& prediction_source() const { return prediction_source_; }
  at::ScalarType compute_type() const { return compute_type_; }

  // A1111's check for SD 2.x v-models: the U-Net's output on a constant input
  // at t = 999 is far below the input for v-prediction.
  static bool looks_like_v_prediction(const sd::SdUnet& unet, int64_t context_dim, const c10::Device& device,
                                      at::ScalarType type);

 private:
  SdBundle() = default;

  sd::CheckpointInfo info_;
  uint64_t parameters_ = 0;
  std::unique_ptr<sd::WeightStore> store_;  // the mapped files, for parts built on demand
  std::unique_ptr<ClipTokenizer> tokenizer_;
  std::unique_ptr<sd::ClipTextEncoder> text_encoder_;
  std::unique_ptr<sd::SdUnet> unet_;
  std::unique_ptr<sd::SdVae> vae_;
  std::unique_ptr<SdNetwork> network_;
  NoiseSchedule schedule_ = NoiseSchedule::scaled_linear();
  std::string prediction_source_;
  LoadReport load_report_;
  at::Tensor empty_chunk_;  // the empty prompt's conditioning (pads shorter prompts)
  int clip_skip_ = 1;
  at::ScalarType compute_type_ = at::kFloat;
  c10::Device device_{c10::kCPU};
  std::unique_ptr<LoraMerger> loras_;
  std::unique_ptr<EmbeddingTable> embeddings_;
  std::unique_ptr<sd::TaesdDecoder> taesd_;  // per-step previews, when the user has TAESD

  ChunkOptions chunk_options() const;
};

// What an SD-family U-Net and VAE need besides `parameters` weights (SD 1.x,
// 2.x and XL alike: the first U-Net level is 320 wide in all of them).
MemoryNeeds sd_memory_needs(uint64_t parameters);

// The SD 1.x/2.x VAE's latent → RGB approximation (A1111's "cheap" preview):
// RGB = Σ_c latent_c · factor_c, in about [−1, 1].
at::Tensor latent_rgb_preview(const at::Tensor& latents);

}  // namespace diffscope
