#pragma once
// A Stable Diffusion 1.x / 2.x checkpoint on disk: a single .safetensors file
// with the original CompVis names, or a diffusers folder (model_index.json,
// unet/, vae/, text_encoder/, tokenizer/, scheduler/), opened as one
// WeightStore with CompVis names. The family is read off the tensors.
// Pickled .ckpt files are refused: loading them means running their code.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/models/few_step.h"
#include "core/models/sd/weight_store.h"

namespace diffscope::sd {

enum class Family { Sd1, Sd2 };
std::string family_name(Family family);  // "SD 1.x", "SD 2.x"

struct CheckpointInfo {
  Family family = Family::Sd1;
  bool open_clip = false;          // OpenCLIP's names (a single-file SD 2.x)
  bool text_quick_gelu = true;     // CLIP ViT-L; OpenCLIP ViT-H uses exact GELU
  bool text_penultimate = false;   // condition on the last layer but one (OpenCLIP in SD 2.x)
  bool linear_projection = false;  // the transformers' proj_in/proj_out
  int64_t context_dim = 768;
  bool has_schedule = false;              // an alphas_cumprod buffer
  std::optional<std::string> prediction;  // from scheduler_config.json, when the folder says
  bool diffusers = false;
  std::filesystem::path path;  // the file or folder
  FewStepMatch few_step;       // a Turbo / LCM / Lightning model, by its metadata or name
  bool inpainting = false;     // a 9-channel inpainting U-Net (sd_unet.h)
};

// A .safetensors file, memory-mapped; a pickled PyTorch file (.ckpt, .pt,
// .pth, .bin) is refused with the reason, since loading it runs its code.
std::shared_ptr<const SafetensorsFile> open_safetensors_file(const std::filesystem::path& path);

// The weights file of a diffusers component folder (unet/, vae/, text_encoder/…).
std::filesystem::path component_weights(const std::filesystem::path& folder);
// "v" or "epsilon" from a diffusers folder's scheduler/scheduler_config.json, if it says.
std::optional<std::string> scheduler_prediction(const std::filesystem::path& folder);
// Whether the folder's scheduler/scheduler_config.json asks for
// `rescale_betas_zero_snr` (false where it is absent or says nothing).
bool scheduler_zero_terminal_snr(const std::filesystem::path& folder);
// Whether a diffusers text encoder's config.json names quick-GELU (OpenAI's CLIP) or another.
bool text_uses_quick_gelu(const std::filesystem::path& component);

// Opens the files (memory-mapped) into `store` and detects the family.
CheckpointInfo open_checkpoint(const std::filesystem::path& path, WeightStore& store);

// Adds a VAE override file (CompVis "first_stage_model."-less names, or
// diffusers names) in place of the checkpoint's own VAE tensors.
void open_vae_override(const std::filesystem::path& path, WeightStore& store);

// The schedule-buffer and bookkeeping names a CompVis checkpoint carries
// besides the networks (skipped, not reported as unused).
const std::vector<std::string>& checkpoint_buffer_names();

// Elements of every tensor the store's files hold.
uint64_t parameter_count(const WeightStore& store);

// The sides an image must be a multiple of: the VAE's upsamplings and the
// U-Net's downsamplings, each halving (SD 1.x/2.x: 8 · 8 = 64), read off the
// CompVis names.
int size_multiple(const WeightStore& store);

// "v1-5-pruned-emaonly" for …/v1-5-pruned-emaonly.safetensors, the folder's
// name for a diffusers folder.
std::string model_name(const std::filesystem::path& path);

// Why no tokenizer was found for `checkpoint`, with every place looked in.
std::string tokenizer_missing_message(const std::filesystem::path& checkpoint, bool open_clip);

}  // namespace diffscope::sd
