#pragma once
// A Stable Diffusion XL checkpoint as a ModelBundle: two text towers (CLIP
// ViT-L and OpenCLIP ViT-bigG, both from their penultimate layer, A1111's
// prompt syntax and 75-token chunks), the pooled bigG embedding and the size
// embeddings as the U-Net's vector conditioning, the SD VAE at SDXL's scale,
// and SDXL's latent → RGB projection for the per-step previews. The refiner
// is the same with bigG alone and an aesthetic score (A1111's defaults: 6
// for the prompt, 2.5 for the negative prompt).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/models/adapters/embedding_table.h"
#include "core/models/adapters/lora_merger.h"
#include "core/models/model_bundle.h"
#include "core/models/sd/clip_text_encoder.h"
#include "core/models/sd/sd_bundle.h"
#include "core/models/sd/sd_unet.h"
#include "core/models/sd/sd_vae.h"
#include "core/models/sd/taesd_decoder.h"
#include "core/models/sdxl/sdxl_checkpoint.h"
#include "core/models/sdxl/sdxl_conditioning.h"
#include "core/text/clip_tokenizer.h"

namespace diffscope {

class SdxlNetwork : public Network {
 public:
  // text_width: the vector values packed after the tokens (sdxl_conditioning.h).
  SdxlNetwork(sd::SdUnet& unet, Prediction prediction, int64_t text_width, bool refiner, int64_t pixels_per_latent)
      : unet_(unet),
        prediction_(prediction),
        text_width_(text_width),
        refiner_(refiner),
        pixels_per_latent_(pixels_per_latent) {}
  Prediction prediction() const override { return prediction_; }
  // context: the packed conditioning (sdxl_conditioning.h).
  at::Tensor forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken& cancel) override;
  void set_size_conditioning(const SizeConditioning& sizes) { sizes_ = sizes; }
  void set_image_conditioning(const at::Tensor& image) { image_ = image; }  // an inpainting U-Net's

 private:
  sd::SdUnet& unet_;
  Prediction prediction_;
  int64_t text_width_;
  bool refiner_;
  int64_t pixels_per_latent_;
  SizeConditioning sizes_;
  at::Tensor image_;
};

class SdxlBundle : public ModelBundle {
 public:
  // Throws Error naming the file and tensor for anything it cannot use, and
  // Cancelled when options.cancel fires while loading.
  static std::unique_ptr<SdxlBundle> load(const SdLoadOptions& options);
  ~SdxlBundle() override;

  // What the checkpoint at `path` is and can do, from its tensor table alone.
  static ModelInfo describe(const std::filesystem::path& path);
  static ModelInfo describe(const sdxl::SdxlCheckpoint& checkpoint, uint64_t parameters, int size_multiple);

  ModelInfo info() const override;
  const NoiseSchedule& schedule() const override { return schedule_; }
  Network& network() override { return *network_; }
  at::Tensor encode_prompt(const std::string& prompt) override;
  std::vector<PromptWord> prompt_words(const std::string& prompt) const override;
  // An empty negative prompt is all zeros, tokens and pooled alike (sgm's
  // force_zero_embeddings, which A1111 uses for it).
  at::Tensor encode_negative_prompt(const std::string& prompt) override;
  at::Tensor pad_conditioning(const at::Tensor& conditioning, int64_t tokens) override;
  std::vector<int64_t> latent_shape(int width, int height) const override;
  at::Tensor decode(const at::Tensor& latents) override;
  at::Tensor preview(const at::Tensor& latents) override;
  at::Tensor encode_image(const at::Tensor& images) override;
  void set_clip_skip(int clip_skip) override;
  void set_loras(const std::vector<LoraUse>& loras, const CancelToken& cancel) override;
  void set_embeddings(const EmbeddingScan& scan) override;
  std::vector<UsedEmbedding> embeddings_used() const override { return embeddings_->used(); }
  void set_size_conditioning(const SizeConditioning& sizes) override { network_->set_size_conditioning(sizes); }
  void set_image_conditioning(const at::Tensor& image) override { network_->set_image_conditioning(image); }

  const SdBundle::LoadReport& load_report() const { return load_report_; }
  const sdxl::SdxlCheckpoint& checkpoint() const { return checkpoint_; }

  // The two towers' token ids for a prompt (rows of 77): CLIP-L's as
  // chunked, bigG's with every position after a row's first end token set
  // to 0 (open_clip's padding), and each row's end-token position.
  struct TowerIds {
    at::Tensor clip_l, clip_g;
    std::vector<int64_t> eos;
  };
  static TowerIds tower_ids(const std::vector<std::vector<int32_t>>& chunks, int32_t end_id);
  ChunkOptions chunk_options() const;

 private:
  SdxlBundle() = default;

  sdxl::SdxlCheckpoint checkpoint_;
  uint64_t parameters_ = 0;
  std::unique_ptr<sd::WeightStore> store_;
  std::unique_ptr<ClipTokenizer> tokenizer_;
  at::Tensor encode(const std::string& prompt, double aesthetic_score);
  int64_t text_width() const { return checkpoint_.pooled_width + (checkpoint_.refiner ? 1 : 0); }

  std::unique_ptr<sd::ClipTextEncoder> clip_l_, clip_g_;  // clip_l_: none in the refiner
  std::unique_ptr<sd::SdUnet> unet_;
  std::unique_ptr<sd::SdVae> vae_;
  std::unique_ptr<SdxlNetwork> network_;
  NoiseSchedule schedule_ = NoiseSchedule::scaled_linear();
  std::string prediction_source_;
  SdBundle::LoadReport load_report_;
  at::Tensor empty_chunk_;  // the empty prompt's token rows (pads shorter prompts)
  int clip_skip_ = 1;
  at::ScalarType compute_type_ = at::kFloat;
  c10::Device device_{c10::kCPU};
  std::unique_ptr<LoraMerger> loras_;
  std::unique_ptr<EmbeddingTable> embeddings_;  // clip_l then clip_g (the refiner: clip_g)
  std::unique_ptr<sd::TaesdDecoder> taesd_;  // TAESDXL per-step previews, when the user has it
};

// A1111's aesthetic scores for the refiner (sdxl_refiner_high/low_aesthetic_score).
inline constexpr double kRefinerPromptAesthetic = 6.0, kRefinerNegativeAesthetic = 2.5;

// The SDXL VAE's latent → RGB approximation (A1111's cheap approximation
// factors for SDXL), in about [−1, 1].
at::Tensor sdxl_latent_rgb_preview(const at::Tensor& latents);

}  // namespace diffscope
