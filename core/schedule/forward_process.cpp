#include "core/schedule/forward_process.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/common/errors.h"

namespace diffscope {

at::Tensor forward_diffuse(const at::Tensor& x0, const at::Tensor& noise, double alpha_bar) {
  if (!x0.sizes().equals(noise.sizes())) throw Error("forward process: image and noise shapes differ");
  if (!(alpha_bar >= 0.0 && alpha_bar <= 1.0)) throw Error("forward process: alpha_bar must lie in [0, 1]");
  return x0 * std::sqrt(alpha_bar) + noise * std::sqrt(1.0 - alpha_bar);
}

at::Tensor forward_diffuse_at(const NoiseSchedule& schedule, const at::Tensor& x0, const at::Tensor& noise,
                              double t) {
  return forward_diffuse(x0, noise, NoiseSchedule::alpha_bar_of_sigma(schedule.sigma_at(t)));
}

}  // namespace diffscope
