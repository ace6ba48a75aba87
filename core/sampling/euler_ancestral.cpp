// Euler ancestral (k-diffusion sample_euler_ancestral): an Euler step down to
// σ_down, then fresh noise of std σ_up (ancestral_step.h).
#include <ATen/ATen.h>

#include "core/sampling/ancestral_step.h"
#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_euler_ancestral(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  const double eta = reporter.eta(1.0);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const AncestralStep split = ancestral_step(sigma, sigma_next, eta);
    const at::Tensor derivative = (x - x0) / sigma;
    x = x + derivative * (split.sigma_down - sigma);
    if (sigma_next > 0.0 && split.sigma_up > 0.0) x = x + reporter.noise_like(x) * split.sigma_up;
  }
  return x;
}

}  // namespace diffscope
