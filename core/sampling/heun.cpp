// Heun's second-order method (Karras et al. 2022, Algorithm 1 without churn):
// an Euler predictor, then the trapezoidal corrector with a second model
// evaluation at σ_next; the last step to σ = 0 is plain Euler.
#include <ATen/ATen.h>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_heun(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const at::Tensor derivative = (x - x0) / sigma;
    const double dt = sigma_next - sigma;
    if (sigma_next == 0.0) {
      x = x + derivative * dt;
      continue;
    }
    const at::Tensor predicted = x + derivative * dt;
    const at::Tensor x0_next = reporter.evaluate(predicted, sigma_next);
    const at::Tensor derivative_next = (predicted - x0_next) / sigma_next;
    x = x + (derivative + derivative_next) * (dt / 2.0);
  }
  return x;
}

}  // namespace diffscope
