#pragma once
// A Stable Diffusion XL checkpoint on disk, opened as one WeightStore with
// the original Stability (sgm) names — the U-Net under model.diffusion_model.,
// the VAE under first_stage_model., CLIP ViT-L under
// conditioner.embedders.0.transformer.text_model. and OpenCLIP ViT-bigG under
// conditioner.embedders.1.model.: a single .safetensors file with those
// names, or a diffusers folder (unet/, vae/, text_encoder/, text_encoder_2/,
// tokenizer/, tokenizer_2/, scheduler/), renamed as it is read; bigG keeps
// its Hugging Face names there (kClipGHfPrefix), since its q/k/v are stored
// apart. The family is read off the tensors, so fine-tunes load alike.
// The SDXL refiner has bigG alone (conditioner.embedders.0.model., or only
// text_encoder_2/ in a folder), a 1,280-wide context and an aesthetic score
// in place of the target size.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/models/few_step.h"
#include "core/models/sd/weight_store.h"

namespace diffscope::sdxl {

inline constexpr const char* kUnetPrefix = "model.diffusion_model.";
inline constexpr const char* kVaePrefix = "first_stage_model.";
inline constexpr const char* kClipLPrefix = "conditioner.embedders.0.transformer.text_model.";
inline constexpr const char* kClipGPrefix = "conditioner.embedders.1.model.";
inline constexpr const char* kRefinerClipGPrefix = "conditioner.embedders.0.model.";
inline constexpr const char* kClipGHfPrefix = "conditioner.embedders.1.hf.text_model.";
inline constexpr const char* kClipGHfProjection = "conditioner.embedders.1.hf.text_projection.weight";
inline constexpr double kVaeScale = 0.13025;  // sgm's scale_factor for the SDXL VAE

struct SdxlCheckpoint {
  std::filesystem::path path;
  bool refiner = false;                      // bigG only, aesthetic-score conditioning
  std::string clip_g_prefix = kClipGPrefix;  // where bigG's tensors are (single files)
  int64_t context_dim = 2048;                // CLIP-L (768) ‖ bigG (1280)
  int64_t adm_channels = 2816;               // pooled (1280) + six 256-wide embeddings (refiner: five)
  int64_t clip_l_width = 768;                // 0: none (the refiner)
  int64_t clip_g_width = 1280, pooled_width = 1280;
  bool linear_projection = true;   // the transformers' proj_in/proj_out are Linear (1×1 convs in some fine-tunes)
  bool diffusers = false;          // a diffusers folder: bigG under kClipGHfPrefix
  bool clip_g_quick_gelu = false;  // from text_encoder_2/config.json (OpenCLIP's bigG: exact GELU)
  std::optional<std::string> prediction;  // "v" / "epsilon", when the folder or the file says
  std::string prediction_source;          // where `prediction` came from
  // Trained on a zero-terminal-SNR schedule (NoiseSchedule::zero_terminal_snr):
  // a single file's `ztsnr` marker tensor, or the folder's
  // scheduler_config.json `rescale_betas_zero_snr`.
  bool zero_terminal_snr = false;
  FewStepMatch few_step;                  // SDXL-Turbo / -Lightning / LCM, by its metadata or name
  bool inpainting = false;                // a 9-channel inpainting U-Net (SDXL inpainting 0.1; sd_unet.h)
};

// Whether `path` is an SDXL base or refiner file or diffusers folder (headers only).
bool is_sdxl(const std::filesystem::path& path);

// Opens the file (memory-mapped) into `store`, checks that the parts fit
// together and says what it holds; Error naming the tensor otherwise.
SdxlCheckpoint open_sdxl_checkpoint(const std::filesystem::path& path, sd::WeightStore& store);

}  // namespace diffscope::sdxl
