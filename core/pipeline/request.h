#pragma once
// Everything a generation needs, so that a PNG's parameters can restore it.
#include <cstdint>
#include <optional>
#include <string>

#include "core/sampling/sampler.h"

namespace diffscope {

struct Request {
  std::string model = "diffscope-emoji";  // kBuiltinModel
  std::string prompt;
  std::string negative_prompt;
  int64_t seed = 0;
  int batch = 1;                        // image i uses seed + i
  int steps = 20;
  std::string sampler = "euler";
  std::string spacing = "auto";         // "auto": the sampler's default
  std::string schedule = "auto";        // noise schedule, where the model lets it be chosen
  std::optional<double> eta;            // unset: the sampler's default
  DdpmVariance ddpm_variance = DdpmVariance::BetaTilde;
  std::optional<double> cfg_scale;      // unset: the model's default
  int width = 64, height = 64;
  std::string device = "auto";
  // Stable Diffusion checkpoints (model = a .safetensors path or diffusers folder):
  std::string vae;                      // a VAE override file; empty: the checkpoint's own
  std::string tokenizer;                // CLIP tokenizer files, where the checkpoint has none
  std::string prediction = "auto";      // auto (folder, or A1111's test), epsilon or v
  int clip_skip = 1;                    // A1111's "Clip skip"
  std::string precision = "auto";       // auto, float32 (reference), bfloat16 (fast CPU), float16 (CUDA)
  // img2img: start from this image, noised to `strength` (1: pure noise).
  std::string init_image;
  double strength = 0.75;
};

}  // namespace diffscope
