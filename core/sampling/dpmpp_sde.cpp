// DPM++ SDE (k-diffusion sample_dpmpp_sde with r = 1/2): a stochastic
// DPM-Solver++ step in λ = −log σ with two model calls. From σ, an ancestral
// DPM-Solver++(1) step to the midpoint σ_mid = √(σ·σ_next) gives a second x̂0
// there; the step to σ_next then uses both x̂0 weighted 1 − 1/(2r) and 1/(2r)
// (with r = ½: the midpoint's alone) and adds its own noise. The last step to
// σ = 0 is plain Euler.
//
// k-diffusion draws both noises from one Brownian motion in σ (torchsde's
// Brownian tree), so the midpoint's noise is part of the whole step's. The
// same joint distribution is drawn here from two fresh normals per step:
// n_mid = z₁ and n_step = (√d₁·z₁ + √d₂·z₂)/√(d₁ + d₂), d₁ = σ − σ_mid,
// d₂ = σ_mid − σ_next. The images are A1111's in distribution, not in value
// (its tree draws other numbers from the seed).
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/ancestral_step.h"
#include "core/sampling/dpm_solver_step.h"
#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {
at::Tensor sample_dpmpp_sde(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  const double eta = reporter.eta(1.0);
  constexpr double kR = 0.5, kWeight = 1.0 / (2.0 * kR);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    if (sigma_next == 0.0) {
      x = x + (x - x0) / sigma * (sigma_next - sigma);
      continue;
    }
    const double sigma_mid = std::exp(std::log(sigma) + kR * std::log(sigma_next / sigma));
    at::Tensor noise_mid, noise_step;
    if (eta > 0.0) {
      const at::Tensor z1 = reporter.noise_like(x), z2 = reporter.noise_like(x);
      const double d1 = sigma - sigma_mid, d2 = sigma_mid - sigma_next;
      noise_mid = z1;
      noise_step = (z1 * std::sqrt(d1) + z2 * std::sqrt(d2)) / std::sqrt(d1 + d2);
    }
    const AncestralStep to_mid = ancestral_step(sigma, sigma_mid, eta);
    at::Tensor x_mid = dpm_solver_first_order(x, x0, sigma, to_mid.sigma_down);
    if (to_mid.sigma_up > 0.0) x_mid = x_mid + noise_mid * to_mid.sigma_up;
    const at::Tensor x0_mid = reporter.evaluate(x_mid, sigma_mid);

    const AncestralStep to_next = ancestral_step(sigma, sigma_next, eta);
    const at::Tensor x0_mixed = x0 * (1.0 - kWeight) + x0_mid * kWeight;
    x = dpm_solver_first_order(x, x0_mixed, sigma, to_next.sigma_down);
    if (to_next.sigma_up > 0.0) x = x + noise_step * to_next.sigma_up;
  }
  return x;
}

}  // namespace diffscope
