#pragma once
// Which noise levels a sampler visits. Timestep spacings pick n timesteps of the
// schedule (diffusers' "leading"/"trailing", k-diffusion's "linspace" over
// fractional t); σ spacings pick n noise levels between the schedule's σ_min
// and σ_max (Karras et al. 2022 with ρ = 7, or log-uniform "exponential").
// Every list is descending and ends with a final σ = 0.
#include <string>
#include <vector>

#include "core/schedule/noise_schedule.h"

namespace diffscope {

// Lcm: the latent consistency models' timesteps (diffusers' LCMScheduler):
// n of the 50 "origin" timesteps k·i − 1 (k = T/50; more origin steps when
// more than 50 steps are asked), evenly from the top.
enum class Spacing { Leading, Trailing, Linspace, Karras, Exponential, Lcm };

Spacing spacing_by_name(const std::string& name);  // Error on unknown names
std::string spacing_name(Spacing spacing);
std::vector<std::string> spacing_names();

// n timesteps, descending. Only for the timestep spacings; `offset` is
// diffusers' steps_offset for "leading" (1 in Stable Diffusion's configs).
std::vector<double> spaced_timesteps(const NoiseSchedule& schedule, int steps, Spacing spacing, int offset = 0);

// Karras σ_i = (σ_max^(1/ρ) + i/(n−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ, then 0.
std::vector<double> karras_sigmas(int steps, double sigma_min, double sigma_max, double rho = 7.0);
// σ_i log-uniform from σ_max to σ_min, then 0.
std::vector<double> exponential_sigmas(int steps, double sigma_min, double sigma_max);

// The n + 1 noise levels of an n-step run (last one 0).
std::vector<double> make_sigmas(const NoiseSchedule& schedule, int steps, Spacing spacing, int offset = 0);

}  // namespace diffscope
