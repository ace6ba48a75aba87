#pragma once
// DPM-Solver++'s first-order step (Lu et al. 2022, eq. 9 with one x̂0): from σ
// to σ_to along the probability-flow ODE in λ = −log σ, holding the data
// estimate x0 fixed: x·σ_to/σ − (e^{−h} − 1)·x0 with h = log(σ/σ_to). DPM++ 2M,
// 2S a and SDE differ only in which x0 they hand it.
#include <ATen/core/Tensor.h>

#include <cmath>

namespace diffscope {

inline at::Tensor dpm_solver_first_order(const at::Tensor& x, const at::Tensor& x0, double sigma, double sigma_to) {
  return x * (sigma_to / sigma) - x0 * std::expm1(-std::log(sigma / sigma_to));
}

}  // namespace diffscope
