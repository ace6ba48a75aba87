#pragma once
// The ancestral samplers' split of a step from σ to σ_next (k-diffusion's
// get_ancestral_step): the deterministic part goes down to σ_down, then fresh
// noise of std σ_up is added, with σ_down² + σ_up² = σ_next² and
// σ_up = min(σ_next, η·√(σ_next²(σ² − σ_next²)/σ²)); η = 0 is no noise.
#include <algorithm>
#include <cmath>

namespace diffscope {

struct AncestralStep {
  double sigma_down, sigma_up;
};

inline AncestralStep ancestral_step(double sigma, double sigma_next, double eta) {
  if (eta == 0.0) return {sigma_next, 0.0};
  const double up = std::min(sigma_next, eta * std::sqrt(sigma_next * sigma_next *
                                                         (sigma * sigma - sigma_next * sigma_next) / (sigma * sigma)));
  return {std::sqrt(sigma_next * sigma_next - up * up), up};
}

}  // namespace diffscope
