// DPM++ 2M SDE (k-diffusion sample_dpmpp_2m_sde, midpoint solver): the
// multistep DPM-Solver++(2M) of dpmpp_2m.cpp as a stochastic step. With
// h = λ_next − λ (λ = −log σ) and ηh = η·h:
//   x ← (σ_next/σ)·e^{−ηh}·x + (1 − e^{−h−ηh})·x̂0
//       + ½(1 − e^{−h−ηh})·(x̂0 − x̂0_prev)/r       (from the second step; r = h_prev/h)
//       + σ_next·√(1 − e^{−2ηh})·z.
// One model call per step; η = 0 is exactly DPM++ 2M. The step to σ = 0 is
// x̂0. k-diffusion draws z from a Brownian tree over σ; its increments over
// the steps' disjoint intervals are independent standard normals, which is
// what the run's noise source draws (A1111's images in distribution, not in value).
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_dpmpp_2m_sde(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  const double eta = reporter.eta(1.0);
  at::Tensor previous_x0;
  double previous_h = 0.0;
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    if (sigma_next == 0.0) {
      x = x0;
      continue;
    }
    const double h = std::log(sigma / sigma_next), eta_h = eta * h;
    const double kept = -std::expm1(-h - eta_h);  // 1 − e^{−h−ηh}
    x = x * (sigma_next / sigma * std::exp(-eta_h)) + x0 * kept;
    if (previous_x0.defined()) {
      const double r = previous_h / h;
      x = x + (x0 - previous_x0) * (0.5 * kept / r);
    }
    if (eta > 0.0) x = x + reporter.noise_like(x) * (sigma_next * std::sqrt(-std::expm1(-2.0 * eta_h)));
    previous_x0 = x0;
    previous_h = h;
  }
  return x;
}

}  // namespace diffscope
