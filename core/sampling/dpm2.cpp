// DPM2 (k-diffusion sample_dpm_2, Karras et al. 2022's "DPM-Solver-2" variant):
// an Euler step to the midpoint of σ and σ_next in log σ, a second model call
// there, and the whole step taken with the midpoint's derivative. Second
// order, two model calls per step; the last step to σ = 0 is plain Euler.
// (A1111 also drops the next-to-last σ for DPM2; DiffScope runs the σ list
// as given, so its steps are the ones the timeline shows.)
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_dpm2(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const at::Tensor derivative = (x - x0) / sigma;
    if (sigma_next == 0.0) {
      x = x + derivative * (sigma_next - sigma);
      continue;
    }
    const double sigma_mid = std::sqrt(sigma * sigma_next);  // the midpoint in log σ
    const at::Tensor x_mid = x + derivative * (sigma_mid - sigma);
    const at::Tensor x0_mid = reporter.evaluate(x_mid, sigma_mid);
    x = x + (x_mid - x0_mid) / sigma_mid * (sigma_next - sigma);
  }
  return x;
}

}  // namespace diffscope
