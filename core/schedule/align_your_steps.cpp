#include "core/schedule/align_your_steps.h"

#include <cmath>
#include <sstream>

#include "core/common/errors.h"
#include "core/schedule/step_count.h"

namespace diffscope {
namespace {

// NVIDIA's lists (research.nvidia.com/labs/toronto-ai/AlignYourSteps/howto.html),
// to the digits ComfyUI carries; both start at SD's σ(999) and end at σ(0).
const std::vector<double> kSd15Levels = {14.6146412293, 6.4745760956, 3.8636745985, 2.6946151520,
                                         1.8841921177,  1.3943805092, 0.9642583904, 0.6523686016,
                                         0.3977456272,  0.1515232662, 0.0291671582};
const std::vector<double> kSdxlLevels = {14.6146412293, 6.3184485287, 3.7681790315, 2.1811480769,
                                         1.3405244945,  0.8620721141, 0.5550693289, 0.3798540708,
                                         0.2332364134,  0.1114188177, 0.0291671582};

// How far a schedule's ends may lie from the list's: SD's schedule computed
// in double precision differs from the published digits by ~1e-6.
constexpr double kEndTolerance = 1e-3;

bool close(double a, double b) { return std::abs(a - b) <= kEndTolerance * b; }

}  // namespace

const std::vector<double>& align_your_steps_levels(AlignYourStepsList list) {
  return list == AlignYourStepsList::Sdxl ? kSdxlLevels : kSd15Levels;
}

std::vector<double> align_your_steps_sigmas(int steps, AlignYourStepsList list, const NoiseSchedule& schedule) {
  check_step_count(steps);
  const std::vector<double>& levels = align_your_steps_levels(list);
  if (!close(schedule.sigma_max(), levels.front()) || !close(schedule.sigma_min(), levels.back())) {
    std::ostringstream message;
    message.precision(4);
    message << "Align Your Steps is NVIDIA's list of noise levels for Stable Diffusion's schedule (σ from "
            << levels.front() << " to " << levels.back() << "); the " << schedule.name() << " schedule goes from "
            << schedule.sigma_max() << " to " << schedule.sigma_min() << ": choose another spacing";
    throw Error(message.str());
  }
  // n + 1 points evenly over the list's positions, log σ linear between them.
  const int last = static_cast<int>(levels.size()) - 1;
  std::vector<double> sigmas(steps + 1, 0.0);
  for (int i = 0; i < steps; ++i) {
    const double position = static_cast<double>(i) * last / steps;
    const int below = static_cast<int>(position);
    const double fraction = position - below;
    const double log_sigma = below >= last
                                 ? std::log(levels[last])
                                 : (1.0 - fraction) * std::log(levels[below]) + fraction * std::log(levels[below + 1]);
    sigmas[i] = std::exp(log_sigma);
  }
  return sigmas;
}

}  // namespace diffscope
