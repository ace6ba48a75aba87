// UniPC's B(h) multistep update in the σ-form of k-diffusion (x = x_VP/α, so
// α = 1 and λ = −log σ): with h = λ_t − λ_s and the newest x̂0 m_s,
//   x̃_t = (σ_t/σ_s)·x − (e^{−h} − 1)·m_s            (DPM-Solver++'s first-order step)
//   UniP: x_t = x̃_t − B(h)·Σ_k ρ^p_k·D_k
//   UniC: x_t = x̃_t − B(h)·(Σ_k ρ^c_k·D_k + ρ^c_last·(m_t − m_s))
// where D_k = (m_k − m_s)/r_k over the older x̂0 m_k at λ_k, r_k = (λ_k − λ_s)/h,
// and ρ solves Σ_k ρ_k·r_k^{i−1} = i!·φ_{i+1}(−h)·(−h)/B(h) for i = 1 … order
// (the paper's eq. 9 with h·φ_1 = e^{−h} − 1 and φ_{k+1} = (φ_k − 1/k!)/(−h)).
// Order 2's predictor and order 1's corrector use ρ = ½, as the paper's code does.
#include "core/sampling/unipc.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

#include "core/common/errors.h"
#include "core/sampling/dpm_solver_step.h"
#include "core/sampling/step_reporter.h"

namespace diffscope {
namespace {

// Solves the first `size` rows and columns of R·ρ = b (R row i = r^i).
std::vector<double> solve(const std::vector<double>& ratios, const std::vector<double>& b, int size) {
  at::Tensor r = at::empty({size, size}, at::kDouble), rhs = at::empty({size, 1}, at::kDouble);
  auto r_at = r.accessor<double, 2>();
  auto rhs_at = rhs.accessor<double, 2>();
  for (int i = 0; i < size; ++i) {
    for (int k = 0; k < size; ++k) r_at[i][k] = std::pow(ratios[k], i);
    rhs_at[i][0] = b[i];
  }
  const at::Tensor rho = at::linalg_solve(r, rhs).flatten();
  return std::vector<double>(rho.data_ptr<double>(), rho.data_ptr<double>() + size);
}

}  // namespace

UniPcStep::UniPcStep(const std::deque<UniPcPoint>& known, double sigma_t, int order, UniPcVariant variant)
    : newest_(known.empty() ? UniPcPoint{} : known.back()), sigma_t_(sigma_t) {
  if (order < 1 || order > static_cast<int>(known.size()))
    throw Error("a UniPC step needs as many known x̂0 as its order");
  if (!(sigma_t > 0.0 && sigma_t < newest_.sigma)) throw Error("a UniPC step goes to a lower, positive noise level");
  const double lambda_s = -std::log(newest_.sigma);
  const double h = -std::log(sigma_t) - lambda_s, hh = -h;
  std::vector<double> ratios;
  for (int k = 1; k < order; ++k) {
    const UniPcPoint& older = known[known.size() - 1 - k];
    const double r = (-std::log(older.sigma) - lambda_s) / h;
    ratios.push_back(r);
    differences_.push_back((older.x0 - newest_.x0) / r);
  }
  ratios.push_back(1.0);
  b_h_ = variant == UniPcVariant::Bh1 ? hh : std::expm1(hh);
  std::vector<double> b;
  double h_phi = std::expm1(hh) / hh - 1.0, factorial = 1.0;  // h_phi = hh·φ_{i+1}(hh)
  for (int i = 1; i <= order; ++i) {
    b.push_back(h_phi * factorial / b_h_);
    factorial *= i + 1;
    h_phi = h_phi / hh - 1.0 / factorial;
  }
  if (order == 2) predictor_ = {0.5};
  if (order > 2) predictor_ = solve(ratios, b, order - 1);
  corrector_ = order == 1 ? std::vector<double>{0.5} : solve(ratios, b, order);
}

at::Tensor UniPcStep::predict(const at::Tensor& x) const { return first_order(x) - weighted(predictor_) * b_h_; }

at::Tensor UniPcStep::correct(const at::Tensor& x, const at::Tensor& x0_t) const {
  const at::Tensor residual = weighted(corrector_) + (x0_t - newest_.x0) * corrector_.back();
  return first_order(x) - residual * b_h_;
}

at::Tensor UniPcStep::first_order(const at::Tensor& x) const {
  return dpm_solver_first_order(x, newest_.x0, newest_.sigma, sigma_t_);
}

// Σ_k ρ_k·D_k over the differences (zero when there are none).
at::Tensor UniPcStep::weighted(const std::vector<double>& rho) const {
  at::Tensor sum = at::zeros_like(newest_.x0);
  for (size_t k = 0; k < differences_.size(); ++k) sum = sum + differences_[k] * rho[k];
  return sum;
}

at::Tensor sample_unipc_with(at::Tensor x, SampleRun& run, const UniPcOptions& options) {
  StepReporter reporter(run);
  const int n = reporter.steps();
  const int max_order = std::max(1, options.order);
  std::deque<UniPcPoint> known;  // the last max_order x̂0, newest last
  known.push_back({reporter.sigma(0), reporter.step(0, x)});
  for (int i = 1; i <= n; ++i) {
    const double sigma = reporter.sigma(i);
    if (sigma == 0.0) return known.back().x0;
    int order = std::min(max_order, i);
    if (options.lower_order_final) order = std::min(order, n + 1 - i);
    const UniPcStep step(known, sigma, order, options.variant);
    const at::Tensor predicted = step.predict(x);
    if (i == n) return predicted;
    const at::Tensor x0 = reporter.step(i, predicted);
    x = options.corrector ? step.correct(x, x0) : predicted;
    known.push_back({sigma, x0});
    if (static_cast<int>(known.size()) > max_order) known.pop_front();
  }
  return x;
}

at::Tensor sample_unipc(at::Tensor x, SampleRun& run) { return sample_unipc_with(std::move(x), run, {}); }

at::Tensor sample_unipc_bh2(at::Tensor x, SampleRun& run) {
  UniPcOptions options;
  options.variant = UniPcVariant::Bh2;
  return sample_unipc_with(std::move(x), run, options);
}

}  // namespace diffscope
