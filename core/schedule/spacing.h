#pragma once
// Which noise levels a sampler visits. Timestep spacings pick n timesteps of the
// schedule (diffusers' "leading"/"trailing", k-diffusion's "linspace" over
// fractional t, SGM's "sgm_uniform", the Beta(0.6, 0.6) quantiles of "beta");
// σ spacings pick n noise levels between the schedule's σ_min and σ_max
// (Karras et al. 2022 with ρ = 7, log-uniform "exponential", "kl_optimal");
// "align_your_steps" interpolates NVIDIA's published levels for the model
// family (align_your_steps.h). Every list is descending and ends with σ = 0.
#include <optional>
#include <string>
#include <vector>

#include "core/schedule/align_your_steps.h"
#include "core/schedule/noise_schedule.h"

namespace diffscope {

// Lcm: the latent consistency models' timesteps (diffusers' LCMScheduler):
// n of the 50 "origin" timesteps k·i − 1 (k = T/50; more origin steps when
// more than 50 steps are asked), evenly from the top.
// SgmUniform: n of n + 1 evenly spaced timesteps from T − 1 to 0, the last
// left out (SGM's and A1111's "SGM Uniform", ComfyUI's sgm_uniform: for
// Turbo/Lightning-style models). Beta: timesteps (T − 1)·Q(1 − i/n), Q the
// Beta(0.6, 0.6) quantile (Lee et al. 2024; ComfyUI's beta, which rounds them
// to whole timesteps; A1111's "Beta" puts σ there instead). KlOptimal: σ_i = tan((1 − i/(n−1))·atan σ_max +
// i/(n−1)·atan σ_min) (Sabour et al. 2024; ComfyUI's kl_optimal).
// AlignYourSteps: NVIDIA's optimised levels (align_your_steps.h).
// Simple: timesteps T − 1 − ⌊i·T/n⌋ (A1111's and ComfyUI's "simple"; equal
// to trailing when n divides T, one timestep apart at some i otherwise).
enum class Spacing {
  Leading,
  Trailing,
  Linspace,
  Karras,
  Exponential,
  Lcm,
  SgmUniform,
  Beta,
  KlOptimal,
  AlignYourSteps,
  Simple
};

Spacing spacing_by_name(const std::string& name);  // Error on unknown names
std::string spacing_name(Spacing spacing);
std::vector<std::string> spacing_names();
// AUTOMATIC1111's "Schedule type" label ("Uniform" for linspace), and back
// (also A1111's labels for the same lists: "Normal", "Polyexponential";
// nothing for "Automatic", the sampler's default, and for "DDIM").
std::string spacing_label(Spacing spacing);
std::optional<Spacing> spacing_by_label(const std::string& label);

// n timesteps, descending. Only for the timestep spacings; `offset` is
// diffusers' steps_offset for "leading" (1 in Stable Diffusion's configs).
std::vector<double> spaced_timesteps(const NoiseSchedule& schedule, int steps, Spacing spacing, int offset = 0);

// Karras σ_i = (σ_max^(1/ρ) + i/(n−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ, then 0.
std::vector<double> karras_sigmas(int steps, double sigma_min, double sigma_max, double rho = 7.0);
// σ_i log-uniform from σ_max to σ_min, then 0.
std::vector<double> exponential_sigmas(int steps, double sigma_min, double sigma_max);
// σ_i uniform in atan σ from σ_max to σ_min, then 0.
std::vector<double> kl_optimal_sigmas(int steps, double sigma_min, double sigma_max);

// The n + 1 noise levels of an n-step run (last one 0). `ays`: which of
// NVIDIA's lists AlignYourSteps follows (the model family's; SD 1.5's is what
// A1111 uses for every model but SDXL).
std::vector<double> make_sigmas(const NoiseSchedule& schedule, int steps, Spacing spacing, int offset = 0,
                                AlignYourStepsList ays = AlignYourStepsList::Sd15);

}  // namespace diffscope
