#pragma once
// What a model is and can do, asked of the model instead of guessed from its
// name, its path or its C++ type. The registry describes a model before it is
// loaded (from its config or the checkpoint's tensor table); a loaded
// ModelBundle answers the same questions, with what only loading can tell
// (e.g. SD 2.x's ε/v test). The app's controls, the CLI, the memory estimate,
// the run plan and the PNG parameters all read it.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/precision.h"
#include "core/models/adapters/embedding_use.h"
#include "core/models/adapters/lora_use.h"
#include "core/models/few_step.h"
#include "core/sampling/network.h"
#include "core/sampling/sampler.h"
#include "core/schedule/spacing.h"

namespace diffscope {

enum class ModelKind {
  Oracle,           // the exact denoiser of an image set (pixel space)
  BuiltIn,          // DiffScope's own latent diffusion models (models/*.json)
  StableDiffusion,  // SD 1.x / 2.x checkpoints and diffusers folders
};

// How the per-step x_t and x̂0 images are made.
enum class PreviewMethod {
  Exact,             // the model's own decoder (or none: pixel space)
  PreviewDecoder,    // a small distilled decoder; the real one on demand
  LatentProjection,  // a linear latent → RGB map; the VAE on demand
};

// Image sizes a model accepts: each side in [min_side, max_side] and a
// multiple of `multiple`.
struct SizeRule {
  int min_side = 1, max_side = 1, multiple = 1;
  int default_side = 64;
  bool fixed() const { return min_side == max_side; }
  bool accepts(int width, int height) const;
  std::string describe() const;  // "64×64 only", "64 to 2048 px in steps of 64"
};

// What turns a prompt into conditioning.
struct TextConditioning {
  std::string encoder;            // "caption match", "word-level transformer", "CLIP ViT-L/14", …
  int64_t context_dim = 0;        // width of the conditioning tokens (0: not a token sequence)
  int64_t max_tokens = 0;         // per chunk; 0: no limit
  bool chunked = false;           // longer prompts run in chunks (A1111's 75-token chunks)
  bool weighting_syntax = false;  // A1111's (word:1.2), [word], BREAK
  bool clip_skip = false;         // "Clip skip" can be set
  bool nearest_caption = false;   // reads a prompt in other words as its nearest training caption,
                                  // unless asked to read it as written (the built-in model)
  int64_t vector_dim = 0;         // width of a vector conditioning besides the tokens (SDXL's pooled text
                                  // and size embeddings); 0: none
};

// Which of the per-model settings apply (the app shows only those).
struct ModelOptions {
  bool vae_override = false;
  bool tokenizer_files = false;
  bool prediction_override = false;
  bool image_to_image = false;
  bool size_conditioning = false;  // SDXL's original size / crop / target size
  bool refiner = false;            // another SDXL checkpoint can finish its runs
  bool lora = false;               // LoRAs merge into it (<lora:NAME:WEIGHT> in the prompt)
  bool embeddings = false;         // it reads textual-inversion embeddings (a file's name in the prompt)
  bool word_maps = false;          // it cross-attends to the prompt's tokens: word heat maps can be recorded
  // An inpainting model: its U-Net also reads the mask and the masked image
  // (ModelBundle::set_image_conditioning), in every run, as A1111 feeds it.
  bool inpainting_model = false;
};

// Which compute types a model runs in. `prefers_16bit`: `auto` picks float16
// on CUDA and bfloat16 on CPUs with bf16 instructions (else float32);
// otherwise `auto` is float32 ($DIFFSCOPE_PRECISION may ask for another).
struct PrecisionSupport {
  bool bfloat16 = false;
  bool float16_cuda = false;
  bool prefers_16bit = false;
};

// What a run of this model needs besides what the request sizes say, for the
// memory estimate (memory_estimate.h). Elements are of the compute type.
struct MemoryNeeds {
  uint64_t parameters = 0;             // weights, held in the compute type
  uint64_t fixed_bytes = 0;            // data besides the weights
  uint64_t fixed_bytes_per_pixel = 0;  // … that grows with the image (the oracle's resized set)
  // One model call's working memory: per batch item and image pixel, per
  // batch item, and once.
  double activation_elements_per_item_pixel = 0;
  uint64_t activation_bytes_per_item = 0;
  uint64_t activation_fixed_bytes = 0;
  double decoder_elements_per_pixel = 0;    // the final decode, one image at a time
  double history_bytes_per_item_pixel = 0;  // what the app keeps per step for the timeline
};

// Fewer steps that still give (nearly) the default picture, as measured for
// this model; the app offers it as "Fast", the CLI as --fast.
struct FastSetting {
  SamplerId sampler = SamplerId::Euler;
  int steps = 0;  // 0: the model has none
};

struct ModelInfo {
  ModelKind kind = ModelKind::BuiltIn;
  std::string name;    // as the user sees it: "diffscope-emoji", "v1-5-pruned-emaonly"
  std::string family;  // "oracle", "DiffScope LDM", "SD 1.x", "SD 2.x"
  Prediction prediction = Prediction::Epsilon;
  // Where the prediction type comes from ("config", "scheduler_config.json",
  // "test forward pass", …); `prediction_known` is false until loading decides it.
  std::string prediction_source;
  bool prediction_known = true;
  TextConditioning text;
  bool vector_conditioning = false;  // pooled text / size embeddings besides the tokens (SDXL)
  SizeRule sizes;
  double default_cfg = 1.0;
  SamplerId default_sampler = SamplerId::Euler;
  std::optional<Spacing> default_spacing;  // unset: each sampler's own
  // Which of NVIDIA's Align Your Steps lists its runs take (SD 1.5's, as in
  // A1111, unless the family has its own).
  AlignYourStepsList align_your_steps = AlignYourStepsList::Sd15;
  int default_steps = 20;
  // A distilled few-step model (few_step.h) and what said so; the defaults
  // above are then its proposed settings.
  FewStepKind few_step = FewStepKind::None;
  std::string few_step_source;
  FastSetting fast;
  std::string schedule;              // the noise schedule it runs by default
  bool schedule_selectable = false;  // any schedule may be chosen (the oracle)
  PreviewMethod preview = PreviewMethod::Exact;
  std::string preview_note;  // for the step line; empty when previews are exact
  std::string compute_note;  // a part computing in another type than the rest ("VAE in float32"), for the status line
  ModelOptions options;
  PrecisionSupport precisions;
  // So small that a second CPU thread gains little beside a busy UI thread.
  bool small_operators = false;
  // Shows which training images its posterior weighs at each step (the oracle).
  bool weighs_training_images = false;
  MemoryNeeds memory;
  std::vector<AppliedLora> loras;  // merged into the loaded weights (for "Lora hashes")
  // The textual inversions the run's prompts named (for "TI hashes"); a run
  // result's, not a description's.
  std::vector<UsedEmbedding> embeddings;
};

// The compute type a run uses: `asked` where the model and device can run it
// (else an Error saying why), and for `auto` the model's preference on this
// device ($DIFFSCOPE_PRECISION, "float32" or "bfloat16", overrides `auto`).
at::ScalarType resolve_precision(Precision asked, const ModelInfo& info, const c10::Device& device);

}  // namespace diffscope
