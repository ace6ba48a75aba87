#include "core/sampling/refiner_switch.h"

#include <cmath>

#include "core/schedule/noise_schedule.h"

namespace diffscope {

float completed_ratio_at(const NoiseSchedule& schedule, double sigma) {
  const int steps = schedule.steps();
  int nearest = 0;
  double best = std::abs(schedule.sigma(0) - sigma);
  for (int t = 1; t < steps; ++t) {
    const double distance = std::abs(schedule.sigma(t) - sigma);
    if (distance < best) best = distance, nearest = t;
  }
  // A1111: (999 − timestep) / 1000 on an integer tensor, a float32 result.
  return static_cast<float>(steps - 1 - nearest) / static_cast<float>(steps);
}

SwitchingDenoiser::Rule refiner_switch_rule(const NoiseSchedule& schedule, double switch_at, bool by_sampling_steps,
                                            int calls_per_run) {
  if (by_sampling_steps) {
    return [switch_at, calls_per_run](double, int calls_so_far) {
      return calls_per_run > 0 && static_cast<double>(calls_so_far) / calls_per_run >= switch_at;
    };
  }
  // The float32 ratio is compared with the setting as a float32, as torch
  // compares a float tensor with a Python number.
  const float at = static_cast<float>(switch_at);
  return [&schedule, at](double sigma, int) { return completed_ratio_at(schedule, sigma) >= at; };
}

}  // namespace diffscope
