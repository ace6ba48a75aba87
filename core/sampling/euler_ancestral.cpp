// Euler ancestral (k-diffusion sample_euler_ancestral): an Euler step down to
// σ_down, then fresh noise of std σ_up, with σ_down² + σ_up² = σ_next² and
// σ_up = min(σ_next, η·√(σ_next²(σ² − σ_next²)/σ²)).
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_euler_ancestral(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  const double eta = reporter.eta(1.0);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const double sigma_up = std::min(
        sigma_next,
        eta * std::sqrt(sigma_next * sigma_next * (sigma * sigma - sigma_next * sigma_next) / (sigma * sigma)));
    const double sigma_down = std::sqrt(sigma_next * sigma_next - sigma_up * sigma_up);
    const at::Tensor derivative = (x - x0) / sigma;
    x = x + derivative * (sigma_down - sigma);
    if (sigma_next > 0.0 && sigma_up > 0.0) x = x + reporter.noise_like(x) * sigma_up;
  }
  return x;
}

}  // namespace diffscope
