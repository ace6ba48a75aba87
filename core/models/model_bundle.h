#pragma once
// Everything one model needs for a generation: text → conditioning, the
// denoising network, its noise schedule, and latent → image decoding. The
// oracle, the built-in model and Stable Diffusion are each one bundle.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "core/sampling/network.h"
#include "core/schedule/noise_schedule.h"

namespace diffscope {

class ModelBundle {
 public:
  virtual ~ModelBundle() = default;
  virtual std::string name() const = 0;
  virtual const NoiseSchedule& schedule() const = 0;
  virtual Network& network() = 0;
  virtual double default_cfg_scale() const = 0;
  // Conditioning for a prompt (batch 1); may throw Error for prompts it cannot use.
  virtual at::Tensor encode_prompt(const std::string& prompt) = 0;
  // The shape of one latent (C, H, W) for an image of the given size.
  virtual std::vector<int64_t> latent_shape(int width, int height) const = 0;
  // Latents (B, C, h, w) → images (B, 3, H, W) in [−1, 1].
  virtual at::Tensor decode(const at::Tensor& latents) = 0;
  // A per-step preview of latents in [−1, 1], maybe smaller than the image;
  // models whose decoder is slow (Stable Diffusion) approximate it.
  virtual at::Tensor preview(const at::Tensor& latents) { return decode(latents); }
  // Empty when preview() is the real decode; else how it approximates it,
  // for the UI ("latent preview: approximate colours").
  virtual std::string preview_note() const { return {}; }
  // True for models whose operators are so small that a second CPU thread
  // gains little and, beside a busy UI thread, costs more than it gains.
  virtual bool small_operators() const { return false; }
  // Images (B, 3, H, W) in [−1, 1] → latents (img2img); Error where the model has no encoder.
  virtual at::Tensor encode_image(const at::Tensor& images);
  // Conditioning lengthened to `tokens` positions, so that a prompt and a
  // negative prompt of different lengths run in one batch.
  virtual at::Tensor pad_conditioning(const at::Tensor& conditioning, int64_t tokens);
};

}  // namespace diffscope
