#pragma once
// When SDXL's refiner takes over, as AUTOMATIC1111 decides it
// (modules/sd_samplers_common.py, apply_refiner), before every model call:
//  - by default by noise level: the "completed ratio" of a call at σ is
//    (T − 1 − t)/T for the discrete timestep t whose σ is nearest (T = 1000),
//    so "Refiner switch at 0.8" hands over at the first call with t ≤ 199 —
//    with a Karras schedule that is well before 80 % of the steps;
//  - with "Refiner switch by sampling steps" (an A1111 setting, written to
//    the parameters) by model calls: calls made / (steps × calls per step).
// The switch happens at the first call whose ratio reaches the setting, even
// inside a second-order step (Heun's corrector), and is never undone.
#include "core/sampling/switching_denoiser.h"

namespace diffscope {

class NoiseSchedule;

// (T − 1 − t)/T for the timestep t of `schedule` whose σ is nearest to `sigma`
// (the lower t on a tie, as torch.argmin), in float32 as A1111 computes it.
float completed_ratio_at(const NoiseSchedule& schedule, double sigma);

// The rule for SwitchingDenoiser. `calls_per_run`: the run's steps times its
// sampler's model calls per step (used when `by_sampling_steps`). A rule for
// `switch_at` 1 never switches. The schedule must outlive the rule.
SwitchingDenoiser::Rule refiner_switch_rule(const NoiseSchedule& schedule, double switch_at, bool by_sampling_steps,
                                            int calls_per_run);

}  // namespace diffscope
