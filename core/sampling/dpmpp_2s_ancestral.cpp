// DPM++ 2S a (k-diffusion sample_dpmpp_2s_ancestral): each step is split as an
// ancestral step (ancestral_step.h); the deterministic part, down to σ_down,
// is one DPM-Solver++(2S) step in λ = −log σ — a first-order step to the
// midpoint λ + h/2, a second model call there, and the whole step with that
// x̂0 — then fresh noise of std σ_up. Two model calls per step; with η = 0 it
// is the deterministic DPM-Solver++(2S), second order.
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/ancestral_step.h"
#include "core/sampling/dpm_solver_step.h"
#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_dpmpp_2s_ancestral(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  const double eta = reporter.eta(1.0);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const AncestralStep split = ancestral_step(sigma, sigma_next, eta);
    if (split.sigma_down == 0.0) {
      x = x + (x - x0) / sigma * (split.sigma_down - sigma);
    } else {
      const double sigma_mid = std::sqrt(sigma * split.sigma_down);  // halfway in λ
      const at::Tensor x_mid = dpm_solver_first_order(x, x0, sigma, sigma_mid);
      const at::Tensor x0_mid = reporter.evaluate(x_mid, sigma_mid);
      x = dpm_solver_first_order(x, x0_mid, sigma, split.sigma_down);
    }
    if (sigma_next > 0.0 && split.sigma_up > 0.0) x = x + reporter.noise_like(x) * split.sigma_up;
  }
  return x;
}

}  // namespace diffscope
