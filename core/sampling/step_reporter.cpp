#include "core/sampling/step_reporter.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/common/errors.h"
#include "core/schedule/noise_schedule.h"

namespace diffscope {

StepReporter::StepReporter(SampleRun& run) : run_(run), start_(std::chrono::steady_clock::now()) {}

at::Tensor StepReporter::evaluate(const at::Tensor& x, double sigma) {
  run_.cancel.throw_if_cancelled();
  return run_.denoiser.denoise(x, sigma);
}

at::Tensor StepReporter::step(int i, const at::Tensor& x) {
  if (run_.options.before_step) run_.options.before_step(i);
  const double s = run_.sigmas[i];
  at::Tensor x0 = evaluate(x, s);
  if (run_.on_step) {
    StepEvent event;
    event.index = i;
    event.total = steps();
    event.t = run_.denoiser.timestep(s);
    event.sigma = s;
    event.alpha_bar = NoiseSchedule::alpha_bar_of_sigma(s);
    event.x_t = x / std::sqrt(1.0 + s * s);
    event.x0 = x0;
    event.eps = (x - x0) / s;
    event.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    run_.on_step(event);
  }
  return x0;
}

at::Tensor StepReporter::noise_like(const at::Tensor& x) {
  if (run_.noise == nullptr) throw Error("this sampler needs a noise source");
  return run_.noise->draw_like(x);
}

}  // namespace diffscope
