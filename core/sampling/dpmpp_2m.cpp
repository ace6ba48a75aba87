// DPM-Solver++(2M) (Lu et al. 2022; k-diffusion sample_dpmpp_2m): a multistep
// second-order solver in λ = −log σ that reuses the previous step's x̂_0, so it
// costs one model call per step. The first step (and a step to σ = 0) is first order.
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/dpm_solver_step.h"
#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_dpmpp_2m(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  at::Tensor previous_x0;
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    if (sigma_next == 0.0) {
      x = x0;
      continue;
    }
    const double lambda = -std::log(sigma), lambda_next = -std::log(sigma_next);
    const double h = lambda_next - lambda;
    at::Tensor x0_estimate = x0;
    if (previous_x0.defined()) {
      const double h_last = lambda - (-std::log(reporter.sigma(i - 1)));
      const double r = h_last / h;
      x0_estimate = x0 * (1.0 + 1.0 / (2.0 * r)) - previous_x0 * (1.0 / (2.0 * r));
    }
    x = dpm_solver_first_order(x, x0_estimate, sigma, sigma_next);
    previous_x0 = x0;
  }
  return x;
}

}  // namespace diffscope
