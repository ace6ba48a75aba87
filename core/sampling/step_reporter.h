#pragma once
// Shared per-step bookkeeping of every sampler: checks the cancel token, calls
// the denoiser and reports the StepEvent in the variance-preserving convention.
#include <ATen/core/Tensor.h>

#include <chrono>

#include "core/sampling/sampler.h"

namespace diffscope {

class StepReporter {
 public:
  explicit StepReporter(SampleRun& run);

  int steps() const { return static_cast<int>(run_.sigmas.size()) - 1; }
  double sigma(int i) const { return run_.sigmas[i]; }
  // Model evaluation of step i at x (σ = sigmas[i]); reports the step; returns x̂_0.
  at::Tensor step(int i, const at::Tensor& x);
  // An extra model evaluation inside a step (Heun's corrector); not reported.
  at::Tensor evaluate(const at::Tensor& x, double sigma);
  // Fresh standard normal noise shaped like x.
  at::Tensor noise_like(const at::Tensor& x);
  double eta(double fallback) const { return run_.options.eta.value_or(fallback); }
  DdpmVariance ddpm_variance() const { return run_.options.ddpm_variance; }

 private:
  SampleRun& run_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace diffscope
