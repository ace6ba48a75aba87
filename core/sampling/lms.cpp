// LMS (k-diffusion sample_lms): the linear multistep method of order 4 on the
// probability-flow ODE dx/dσ = (x − x̂0)/σ. Each step adds Σ_j c_j·d_{i−j}
// over the last (up to) four derivatives d, c_j the integral over [σ_i, σ_i+1]
// of the Lagrange polynomial through those steps' σ that is 1 at σ_{i−j}.
// k-diffusion integrates numerically (scipy's quad); the polynomials are of
// degree ≤ 3, so Gauss–Legendre with 3 nodes gives the integral exactly.
// One model call per step; the first steps are of lower order.
#include <ATen/ATen.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

#include "core/sampling/sampler.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {
namespace {

constexpr int kOrder = 4;

// ∫ from σ_i to σ_{i+1} of the Lagrange basis polynomial over σ_i, σ_{i−1}, …
// (order of them) that is 1 at σ_{i−j}.
double multistep_coefficient(const std::vector<double>& sigmas, int i, int order, int j) {
  const auto basis = [&](double tau) {
    double product = 1.0;
    for (int k = 0; k < order; ++k) {
      if (k != j) product *= (tau - sigmas[i - k]) / (sigmas[i - j] - sigmas[i - k]);
    }
    return product;
  };
  // 3-point Gauss–Legendre on [a, b]: exact for polynomials of degree ≤ 5.
  static const std::array<double, 3> nodes = {-std::sqrt(0.6), 0.0, std::sqrt(0.6)};
  static const std::array<double, 3> weights = {5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0};
  const double a = sigmas[i], b = sigmas[i + 1], half = (b - a) / 2.0, middle = (a + b) / 2.0;
  double sum = 0.0;
  for (size_t n = 0; n < nodes.size(); ++n) sum += weights[n] * basis(middle + half * nodes[n]);
  return sum * half;
}

}  // namespace

at::Tensor sample_lms(at::Tensor x, SampleRun& run) {
  StepReporter reporter(run);
  std::deque<at::Tensor> derivatives;  // newest first
  for (int i = 0; i < reporter.steps(); ++i) {
    const at::Tensor x0 = reporter.step(i, x);
    derivatives.push_front((x - x0) / reporter.sigma(i));
    if (static_cast<int>(derivatives.size()) > kOrder) derivatives.pop_back();
    const int order = std::min(i + 1, kOrder);
    for (int j = 0; j < order; ++j) {
      x = x + derivatives[j] * multistep_coefficient(run.sigmas, i, order, j);
    }
  }
  return x;
}

}  // namespace diffscope
