// DDPM ancestral sampling (Ho et al. 2020), generalised to skipped steps: a
// step from t to its predecessor s uses α := ᾱ_t/ᾱ_s, β := 1 − α, the
// posterior mean μ = (x_t − β/√(1−ᾱ_t)·ε̂)/√α and std √β or
// √(β(1−ᾱ_s)/(1−ᾱ_t)); the last step goes to ᾱ_s = 1 without noise.
// Works in the variance-preserving x_t and converts back to σ-form.
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"
#include "core/schedule/noise_schedule.h"

namespace diffscope {

at::Tensor sample_ddpm(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const double ab_t = NoiseSchedule::alpha_bar_of_sigma(sigma);
    const double ab_s = NoiseSchedule::alpha_bar_of_sigma(sigma_next);
    const double alpha = ab_t / ab_s, beta = 1.0 - alpha;
    const at::Tensor eps = (x - x0) / sigma;
    const at::Tensor x_t = x * std::sqrt(ab_t);
    at::Tensor x_s = (x_t - eps * (beta / std::sqrt(1.0 - ab_t))) / std::sqrt(alpha);
    if (sigma_next > 0.0) {
      const double variance =
          reporter.ddpm_variance() == DdpmVariance::Beta ? beta : beta * (1.0 - ab_s) / (1.0 - ab_t);
      x_s = x_s + reporter.noise_like(x) * std::sqrt(variance);
    }
    x = x_s / std::sqrt(ab_s);
  }
  return x;
}

}  // namespace diffscope
