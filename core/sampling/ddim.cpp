// DDIM (Song et al. 2021): x_s = √ᾱ_s·x̂_0 + √(1−ᾱ_s−σ_η²)·ε̂ + σ_η·z with
// σ_η = η·√((1−ᾱ_s)/(1−ᾱ_t))·√(1−ᾱ_t/ᾱ_s). η = 0 is deterministic (and equals
// Euler in σ-form); η = 1 is DDPM with the β̃ posterior.
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"
#include "core/schedule/noise_schedule.h"

namespace diffscope {

at::Tensor sample_ddim(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  const double eta = reporter.eta(0.0);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const double ab_t = NoiseSchedule::alpha_bar_of_sigma(sigma);
    const double ab_s = NoiseSchedule::alpha_bar_of_sigma(sigma_next);
    const double sigma_eta = eta * std::sqrt((1.0 - ab_s) / (1.0 - ab_t)) * std::sqrt(std::max(0.0, 1.0 - ab_t / ab_s));
    const at::Tensor eps = (x - x0) / sigma;
    const double direction = std::sqrt(std::max(0.0, 1.0 - ab_s - sigma_eta * sigma_eta));
    at::Tensor x_s = x0 * std::sqrt(ab_s) + eps * direction;
    if (sigma_next > 0.0 && sigma_eta > 0.0) x_s = x_s + reporter.noise_like(x) * sigma_eta;
    x = x_s / std::sqrt(ab_s);
  }
  return x;
}

}  // namespace diffscope
