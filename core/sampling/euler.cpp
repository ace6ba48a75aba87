// Euler's method on the probability-flow ODE dx/dσ = (x − D(x, σ))/σ
// (Karras et al. 2022, k-diffusion sample_euler without churn).
#include <ATen/ATen.h>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_euler(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const at::Tensor derivative = (x - x0) / sigma;
    x = x + derivative * (sigma_next - sigma);
  }
  return x;
}

}  // namespace diffscope
