#pragma once
// The Beta(a, b) distribution's CDF (the regularized incomplete beta
// function I_x(a, b)) and its inverse, for the "beta" spacing (Lee et al.
// 2024, ComfyUI's beta: timesteps at the Beta(0.6, 0.6) quantiles). Written here
// rather than taken from Boost.Math: core/ builds with LibTorch alone (the GPU
// machines have nothing else), and two functions do not justify the headers.
namespace diffscope {

// I_x(a, b) for a, b > 0 and x ∈ [0, 1]; Error otherwise.
double beta_cdf(double x, double a, double b);
// The x with I_x(a, b) = p, p ∈ [0, 1], to within 1e-15.
double beta_quantile(double p, double a, double b);

}  // namespace diffscope
