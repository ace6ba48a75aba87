#include "core/sampling/resampling.h"

#include <chrono>
#include <cmath>
#include <string>

#include "core/common/errors.h"
#include "core/sampling/noise_source.h"

namespace diffscope {

void check_resamplable(const SamplerInfo& sampler) {
  if (!sampler.multistep) return;
  throw Error("resampling runs every step on its own, and " + sampler.a1111_name +
              " builds each step on the ones before: choose a one-step sampler (Euler, Euler a, Heun, DDIM, DDPM, "
              "DPM++ SDE, …)");
}

at::Tensor run_resampled(const SamplerInfo& sampler, at::Tensor x, SampleRun& run, int repeats) {
  if (repeats <= 1) return run_sampler(sampler, std::move(x), run);
  check_resamplable(sampler);
  if (run.noise == nullptr) throw Error("resampling needs a noise source");
  const auto start = std::chrono::steady_clock::now();
  const int steps = static_cast<int>(run.sigmas.size()) - 1;
  for (int i = 0; i < steps; ++i) {
    const double from = run.sigmas[size_t(i)], to = run.sigmas[size_t(i) + 1];
    for (int r = 0; r < repeats; ++r) {
      const bool last = r == repeats - 1;
      SampleRun one{run.denoiser, {from, to}, run.noise, {}, run.cancel, run.options};
      if (last && run.on_step) {
        one.on_step = [&run, i, steps, start](const StepEvent& step) {
          StepEvent event = step;
          event.index = i;
          event.total = steps;
          event.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          run.on_step(event);
        };
      }
      at::Tensor next = run_sampler(sampler, x, one);
      // Back up to σ_i: the step's result plus the noise the step took away.
      x = last ? next : next + run.noise->draw_like(next) * std::sqrt(from * from - to * to);
    }
  }
  return x;
}

}  // namespace diffscope
