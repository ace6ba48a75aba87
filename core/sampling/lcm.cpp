// LCM (Luo et al. 2023, diffusers' LCMScheduler): a consistency model maps
// x_t straight to x_0. Each step takes the network's x̂0, applies the
// consistency boundary condition f(x, t) = c_skip(t)·x_t + c_out(t)·x̂0 with
// c_skip = σ_d²/((10t)² + σ_d²), c_out = 10t/√((10t)² + σ_d²), σ_d = 0.5
// (x_t variance preserving), then noises that estimate afresh to the next
// level: x_next = f + σ_next·z in σ-form. The last step returns f.
#include <ATen/ATen.h>

#include <cmath>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {

namespace {
constexpr double kSigmaData = 0.5, kTimestepScaling = 10.0;
}

at::Tensor sample_lcm(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  for (int i = 0; i < reporter.steps(); ++i) {
    const double sigma = reporter.sigma(i), sigma_next = reporter.sigma(i + 1);
    const at::Tensor x0 = reporter.step(i, x);
    const double scaled = run.denoiser.timestep(sigma) * kTimestepScaling;
    const double c_skip = kSigmaData * kSigmaData / (scaled * scaled + kSigmaData * kSigmaData);
    const double c_out = scaled / std::sqrt(scaled * scaled + kSigmaData * kSigmaData);
    const at::Tensor x_vp = x / std::sqrt(1.0 + sigma * sigma);
    x = x_vp * c_skip + x0 * c_out;
    if (sigma_next > 0.0) x = x + reporter.noise_like(x) * sigma_next;
  }
  return x;
}

}  // namespace diffscope
