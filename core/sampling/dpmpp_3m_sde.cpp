// DPM++ 3M SDE (k-diffusion sample_dpmpp_3m_sde): DPM-Solver++'s third-order
// multistep in λ = −log σ, from the last three x̂0 (second order on the
// second step, first order on the first), as a stochastic step. With
// h = λ_next − λ, g = (1 + η)·h, φ₂ = 1 − (1 − e^{−g})/g and φ₃ = φ₂/g − ½:
//   x ← e^{−g}·x + (1 − e^{−g})·x̂0 + φ₂·d₁ − φ₃·d₂ + σ_next·√(1 − e^{−2ηh})·z,
// d₁, d₂ the first and second divided differences of x̂0 over the steps'
// λ (r₀ = h₋₁/h, r₁ = h₋₂/h). One model call per step; the step to σ = 0 is
// x̂0. The noise is drawn as for DPM++ 2M SDE (dpmpp_2m_sde.cpp). (A1111 also
// drops the next-to-last σ for it; DiffScope runs the σ list as given.)
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

at::Tensor sample_dpmpp_3m_sde(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  const double eta = reporter.eta(1.0);
  at::Tensor x0_1, x0_2;  // the last two steps' x̂0
  double h_1 = 0.0, h_2 = 0.0;
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    if (sigma_next == 0.0) {
      x = x0;
      continue;
    }
    const double h = std::log(sigma / sigma_next), g = (1.0 + eta) * h;
    x = x * std::exp(-g) - x0 * std::expm1(-g);
    const double phi_2 = std::expm1(-g) / g + 1.0;
    if (x0_2.defined()) {
      const double r0 = h_1 / h, r1 = h_2 / h;
      const at::Tensor d1_0 = (x0 - x0_1) / r0, d1_1 = (x0_1 - x0_2) / r1;
      const at::Tensor d1 = d1_0 + (d1_0 - d1_1) * (r0 / (r0 + r1));
      const at::Tensor d2 = (d1_0 - d1_1) / (r0 + r1);
      const double phi_3 = phi_2 / g - 0.5;
      x = x + d1 * phi_2 - d2 * phi_3;
    } else if (x0_1.defined()) {
      x = x + (x0 - x0_1) * (phi_2 / (h_1 / h));
    }
    if (eta > 0.0) x = x + reporter.noise_like(x) * (sigma_next * std::sqrt(-std::expm1(-2.0 * eta * h)));
    x0_2 = x0_1;
    x0_1 = x0;
    h_2 = h_1;
    h_1 = h;
  }
  return x;
}

}  // namespace diffscope
