#pragma once
// The forward (noising) process q(x_t | x_0) = N(√ᾱ_t·x_0, (1−ᾱ_t)·I).
#include <ATen/core/Tensor.h>

#include "core/schedule/noise_schedule.h"

namespace diffscope {

// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε for a given ε (same shape as x_0).
at::Tensor forward_diffuse(const at::Tensor& x0, const at::Tensor& noise, double alpha_bar);

// The same for a batch (B, ...) with one ᾱ per item (alpha_bars: B values),
// as training draws them; differentiable.
at::Tensor forward_diffuse_batch(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& alpha_bars);

// The same at a (possibly fractional) timestep t of the schedule.
at::Tensor forward_diffuse_at(const NoiseSchedule& schedule, const at::Tensor& x0, const at::Tensor& noise, double t);

}  // namespace diffscope
