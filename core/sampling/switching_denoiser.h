#pragma once
// Two denoisers handing over at a noise level: the first for σ above
// `switch_sigma`, the second at and below it (SDXL's refiner finishing a base
// run, AUTOMATIC1111's "Refiner switch at"). Samplers see one Denoiser.
#include "core/sampling/denoiser.h"

namespace diffscope {

class SwitchingDenoiser : public Denoiser {
 public:
  SwitchingDenoiser(Denoiser& first, Denoiser& second, double switch_sigma)
      : first_(first), second_(second), switch_sigma_(switch_sigma) {}
  at::Tensor denoise(const at::Tensor& x, double sigma) override { return pick(sigma).denoise(x, sigma); }
  double timestep(double sigma) const override {
    return sigma > switch_sigma_ ? first_.timestep(sigma) : second_.timestep(sigma);
  }
  bool second_runs_at(double sigma) const { return sigma <= switch_sigma_; }

 private:
  Denoiser& pick(double sigma) { return sigma > switch_sigma_ ? first_ : second_; }
  Denoiser& first_;
  Denoiser& second_;
  double switch_sigma_;
};

}  // namespace diffscope
