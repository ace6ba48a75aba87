#include "core/schedule/forward_process.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "core/common/errors.h"

namespace diffscope {

at::Tensor forward_diffuse(const at::Tensor& x0, const at::Tensor& noise, double alpha_bar) {
  if (!x0.sizes().equals(noise.sizes())) throw Error("forward process: image and noise shapes differ");
  if (!(alpha_bar >= 0.0 && alpha_bar <= 1.0)) throw Error("forward process: alpha_bar must lie in [0, 1]");
  return x0 * std::sqrt(alpha_bar) + noise * std::sqrt(1.0 - alpha_bar);
}

at::Tensor forward_diffuse_batch(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& alpha_bars) {
  if (!x0.sizes().equals(noise.sizes())) throw Error("forward process: image and noise shapes differ");
  if (x0.dim() < 1 || alpha_bars.numel() != x0.size(0)) throw Error("forward process: one alpha_bar per item needed");
  std::vector<int64_t> per_item(static_cast<size_t>(x0.dim()), 1);
  per_item[0] = x0.size(0);
  const at::Tensor a = alpha_bars.reshape(per_item);
  return a.sqrt() * x0 + (1.0 - a).sqrt() * noise;
}

at::Tensor forward_diffuse_at(const NoiseSchedule& schedule, const at::Tensor& x0, const at::Tensor& noise, double t) {
  return forward_diffuse(x0, noise, NoiseSchedule::alpha_bar_of_sigma(schedule.sigma_at(t)));
}

}  // namespace diffscope
