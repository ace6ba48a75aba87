#pragma once
// Align Your Steps (Sabour, Fidler and Kreis, NVIDIA 2024): noise levels
// optimised for one model family's network, published as 10-step lists of
// 11 levels from σ_max down to σ_min (Stable Diffusion's discrete schedule
// ends there, at t = 0). Another step count interpolates the list in log σ
// by position, as NVIDIA's how-to does; the last level is then replaced by
// σ = 0, so that 10 steps visit exactly NVIDIA's levels (ComfyUI's
// AlignYourStepsScheduler does the same; A1111 instead interpolates to n
// levels and appends 0, so its runs end with a step from σ_min to 0).
#include <vector>

#include "core/schedule/noise_schedule.h"

namespace diffscope {

// Which published list: SD 1.5's also serves SD 2.x and other SD-schedule
// models (as in A1111); SDXL's for the SDXL base and refiner.
enum class AlignYourStepsList { Sd15, Sdxl };

// The 11 published levels, descending.
const std::vector<double>& align_your_steps_levels(AlignYourStepsList list);

// The n + 1 noise levels of an n-step run (the last one 0). The schedule must
// span the list (Stable Diffusion's scaled-linear schedule does); an Error
// says so for any other.
std::vector<double> align_your_steps_sigmas(int steps, AlignYourStepsList list, const NoiseSchedule& schedule);

}  // namespace diffscope
