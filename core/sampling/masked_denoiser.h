#pragma once
// Inpainting's one change to the chain (A1111's, for ordinary checkpoints):
// every prediction x̂₀ keeps the known latent where the mask is 0. The
// samplers then carry the known part at each step's own noise level (for
// Euler, x − x̂₀ there is exactly the start noise), and the model sees it
// beside what it repaints. Owns its inner denoiser or borrows it.
#include <ATen/core/Tensor.h>

#include <memory>
#include <utility>

#include "core/sampling/denoiser.h"

namespace diffscope {

// The known latent where the mask keeps it (repaint = 0), `x` where it repaints (1).
inline at::Tensor keep_known(const at::Tensor& x, const at::Tensor& known, const at::Tensor& repaint) {
  return x * repaint + known * (1.0 - repaint);
}

class MaskedDenoiser : public Denoiser {
 public:
  // known: (B, C, h, w) latents of the start image; repaint: (1, 1, h, w), 1 where the model draws.
  MaskedDenoiser(Denoiser& inner, at::Tensor known, at::Tensor repaint)
      : inner_(inner), known_(std::move(known)), repaint_(std::move(repaint)) {}
  MaskedDenoiser(std::unique_ptr<Denoiser> owned, at::Tensor known, at::Tensor repaint)
      : owned_(std::move(owned)), inner_(*owned_), known_(std::move(known)), repaint_(std::move(repaint)) {}

  at::Tensor denoise(const at::Tensor& x, double sigma) override {
    return keep_known(inner_.denoise(x, sigma), known_, repaint_);
  }
  double timestep(double sigma) const override { return inner_.timestep(sigma); }

 private:
  std::unique_ptr<Denoiser> owned_;
  Denoiser& inner_;
  at::Tensor known_, repaint_;
};

}  // namespace diffscope
