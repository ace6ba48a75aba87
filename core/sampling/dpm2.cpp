// DPM2 (k-diffusion sample_dpm_2, Karras et al. 2022's "DPM-Solver-2" variant):
// an Euler step to the midpoint of σ and σ_next in log σ, a second model call
// there, and the whole step taken with the midpoint's derivative. Second
// order, two model calls per step; the last step to σ = 0 is plain Euler.
// DPM2 a (sample_dpm_2_ancestral) takes that step down to the ancestral
// split's σ_down and adds fresh noise of std σ_up (ancestral_step.h).
// (A1111 also drops the next-to-last σ for both; DiffScope runs the σ list
// as given, so its steps are the ones the timeline shows.)
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/ancestral_step.h"
#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {
namespace {

at::Tensor sample_dpm2_with_eta(at::Tensor x, SampleRun& run, double eta) {
  StepReporter reporter(run);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const AncestralStep split = ancestral_step(sigma, sigma_next, eta);
    const at::Tensor derivative = (x - x0) / sigma;
    if (split.sigma_down == 0.0) {
      x = x + derivative * (split.sigma_down - sigma);
      continue;
    }
    const double sigma_mid = std::sqrt(sigma * split.sigma_down);  // the midpoint in log σ
    const at::Tensor x_mid = x + derivative * (sigma_mid - sigma);
    const at::Tensor x0_mid = reporter.evaluate(x_mid, sigma_mid);
    x = x + (x_mid - x0_mid) / sigma_mid * (split.sigma_down - sigma);
    if (split.sigma_up > 0.0) x = x + reporter.noise_like(x) * split.sigma_up;
  }
  return x;
}

}  // namespace

at::Tensor sample_dpm2(at::Tensor x, SampleRun& run) { return sample_dpm2_with_eta(std::move(x), run, 0.0); }

at::Tensor sample_dpm2_ancestral(at::Tensor x, SampleRun& run) {
  const double eta = run.options.eta.value_or(1.0);
  return sample_dpm2_with_eta(std::move(x), run, eta);
}

}  // namespace diffscope
