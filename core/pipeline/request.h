#pragma once
// Everything a generation needs, so that a PNG's parameters can restore it.
// Names (samplers, spacings, devices, precisions, predictions) are parsed
// into these enums where they enter: CLI arguments, widgets, PNG parameters.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/device_choice.h"
#include "core/common/precision.h"
#include "core/models/model_paths.h"
#include "core/models/size_conditioning.h"
#include "core/pipeline/branch.h"
#include "core/pipeline/masked_content.h"
#include "core/pipeline/resize_mode.h"
#include "core/sampling/network.h"
#include "core/sampling/sampler.h"
#include "core/sampling/variation_noise.h"
#include "core/schedule/spacing.h"

namespace diffscope {

struct Request {
  std::string model = kBuiltinModel;  // an installed model's name, "oracle", a checkpoint file or folder
  std::string prompt;
  std::string negative_prompt;
  int64_t seed = 0;
  int batch = 1;  // image i uses seed + i (with a variation seed: seed, and variation.seed + i)
  VariationSeed variation;  // A1111's "Variation seed", its strength, "Seed resize from"
  int steps = 20;
  SamplerId sampler = SamplerId::Euler;
  std::optional<Spacing> spacing;  // unset: the sampler's default
  std::string schedule = "auto";   // noise schedule, where the model lets it be chosen
  std::optional<double> eta;       // unset: the sampler's default
  DdpmVariance ddpm_variance = DdpmVariance::BetaTilde;
  std::optional<double> cfg_scale;  // unset: the model's default
  int width = 64, height = 64;
  DeviceChoice device;
  // Stable Diffusion checkpoints (model = a .safetensors path or diffusers folder):
  std::string vae;        // a VAE override file; empty: the checkpoint's own
  std::string tokenizer;  // CLIP tokenizer files, where the checkpoint has none
  // TAESD for the per-step previews: "" finds taesd(xl)_decoder.safetensors
  // beside the checkpoint, "none" uses the latent projection, else a file.
  std::string preview_decoder;
  std::optional<Prediction> prediction;  // unset: the folder's config, or A1111's test
  int clip_skip = 1;                     // A1111's "Clip skip"
  // Where info().text.nearest_caption: read the prompt's own words, never the
  // training caption it is nearest to ("DiffScope prompt as written").
  bool prompt_as_written = false;
  SizeConditioning size_conditioning;    // SDXL: original size, crop, target size (default: the image's)
  // SDXL: a checkpoint (the refiner) that finishes the run from A1111's
  // "Refiner switch at": by default the first model call whose noise level's
  // timestep is at or below (1 − switch_at)·T; with A1111's "Refiner switch
  // by sampling steps", that share of the model calls
  // (core/sampling/refiner_switch.h). Empty: none.
  std::string refiner;
  double refiner_switch_at = 0.8;
  bool refiner_switch_by_steps = false;
  // LoRA folders searched first for <lora:NAME:…> (--lora-dir, the app's
  // setting); then next to the checkpoint and in the user's data folder.
  // Where to look, not what ran: not written to the PNG.
  std::vector<std::string> lora_dirs;
  // Textual-inversion folders searched first (--embeddings-dir, the app's
  // setting); then the checkpoint's neighbours and the user's data folder
  // (embedding_folders.h). Not written to the PNG either.
  std::vector<std::string> embedding_dirs;
  Precision precision = Precision::Auto;  // resolve_precision (model_info.h) picks the type
  // img2img: start from this image, noised to `strength` (1: pure noise).
  std::string init_image;
  double strength = 0.75;
  // How a start image of another size reaches width × height (resize_mode.h;
  // A1111's "Resize mode"), its mask with it.
  ResizeMode resize_mode = ResizeMode::JustResize;
  // Inpainting (inpaint_mask.h): repaint only where this PNG of the start
  // image's size is white (black with `invert_mask`), its edge blurred by
  // `mask_blur` pixels (A1111's "Mask blur"); needs init_image.
  std::string mask_image;
  int mask_blur = 4;
  bool invert_mask = false;
  // What the masked part starts from (masked_content.h; A1111's "Masked
  // content"): the start image itself by default.
  MaskedContent masked_content = MaskedContent::Original;
  // RePaint's resampling: run every step this many times, noising it back
  // between (core/sampling/resampling.h); 1: off. Used only with a mask.
  int inpaint_resample = 1;
  // An inpainting model's (ModelInfo::options.inpainting_model) view of the
  // start image: how much of the masked part it is shown grey, A1111's
  // "Inpainting conditioning mask strength" ("Conditional mask weight" in the
  // PNG). 1: the masked part is hidden; below 1 it shows through, and img2img
  // without a mask keeps more of the image's composition.
  double inpainting_mask_weight = 1.0;
  // Record word heat maps at every step (StepEvent::word_maps); where
  // info().options.word_maps. What to show, not what ran: not written to the PNG.
  bool word_maps = false;
  // Continues another run from one of its steps (branch.h); unset: a run of its own.
  std::optional<BranchPoint> branch;
};

}  // namespace diffscope
