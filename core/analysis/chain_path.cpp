#include "core/analysis/chain_path.h"

#include <ATen/ATen.h>

#include <cmath>
#include <iomanip>

#include "core/common/errors.h"

namespace diffscope {
namespace {

double rms(const at::Tensor& x) { return x.to(at::kDouble).pow(2).mean().sqrt().item<double>(); }

// Principal components of the steps' x_t from their Gram matrix (n × n; n
// steps are far fewer than the D latent values), centred as the rows would
// be: Gc = G − r·1ᵀ − 1·rᵀ + μ, r the row means and μ the mean of G. Fills
// pc1/pc2 and the shares; a component's sign puts the first step on its
// negative side, so the path runs left to right.
void project(const at::Tensor& gram, ChainPath& path) {
  const int64_t n = gram.size(0);
  if (n < 2) return;
  const at::Tensor row_means = gram.mean(1, true);
  const at::Tensor centred = gram - row_means - row_means.t() + gram.mean();
  const auto [eigenvalues, eigenvectors] = at::linalg_eigh(centred);  // ascending
  const double total = centred.trace().item<double>();
  if (!(total > 0)) return;
  for (int component = 0; component < 2; ++component) {
    const int64_t k = n - 1 - component;
    const double lambda = std::max(0.0, eigenvalues[k].item<double>());
    at::Tensor coordinates = eigenvectors.select(1, k) * std::sqrt(lambda);
    if (coordinates[0].item<double>() > 0) coordinates = -coordinates;
    const at::Tensor values = coordinates.contiguous();
    const double* data = values.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) (component == 0 ? path.steps[i].pc1 : path.steps[i].pc2) = data[i];
    (component == 0 ? path.pc1_share : path.pc2_share) = lambda / total;
  }
}

}  // namespace

void ChainPathRecorder::add(const StepEvent& event, std::optional<double> posterior_entropy) {
  if (item_ >= event.x_t.size(0)) throw Error("chain path: the run has no batch item " + std::to_string(item_));
  const auto item = [&](const at::Tensor& x) { return x.select(0, item_).to(at::kCPU, at::kFloat).flatten().clone(); };
  // Kept in double, relative to the first step (a shift the centring undoes):
  // the centred Gram matrix subtracts large sums, where float32 left a
  // straight line a visible second component.
  const at::Tensor x_t = item(event.x_t).to(at::kDouble);
  x_t_.push_back(x_t_.empty() ? at::zeros_like(x_t) : x_t - first_x_t_);
  if (x_t_.size() == 1) first_x_t_ = x_t;
  x0_.push_back(item(event.x0));
  // This step's row of the Gram matrix now, so that the end of a long run
  // does not wait for all of it.
  std::vector<double> row;
  for (const at::Tensor& earlier : x_t_) row.push_back(at::dot(earlier, x_t_.back()).item<double>());
  gram_rows_.push_back(std::move(row));
  PathStep step;
  step.step = event.index;
  step.t = event.t;
  step.sigma = event.sigma;
  step.eps_rms = rms(event.eps.select(0, item_));
  step.posterior_entropy = posterior_entropy;
  steps_.push_back(step);
}

ChainPath ChainPathRecorder::finish(const at::Tensor& final_sample) const {
  ChainPath path;
  path.item = item_;
  path.steps = steps_;
  if (steps_.empty()) return path;
  const at::Tensor final_item = final_sample.select(0, item_).to(at::kCPU, at::kFloat).flatten();
  for (size_t i = 0; i < steps_.size(); ++i) path.steps[i].x0_distance = rms(x0_[i] - final_item);
  const double first = path.steps.front().x0_distance;
  for (PathStep& step : path.steps) {
    step.change_done = first > 0 ? 1.0 - step.x0_distance / first : 1.0;
    if (path.step_90 < 0 && step.change_done >= 0.9) path.step_90 = step.step;
  }
  const int64_t n = static_cast<int64_t>(gram_rows_.size());
  at::Tensor gram = at::zeros({n, n}, at::kDouble);
  double* g = gram.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j <= i; ++j) g[i * n + j] = g[j * n + i] = gram_rows_[size_t(i)][size_t(j)];
  }
  project(gram, path);
  return path;
}

void write_path_csv(std::ostream& out, const std::vector<ChainPath>& paths) {
  out << "item,step,t,sigma,x0_distance,change_done,eps_rms,pc1,pc2,posterior_entropy\n";
  out << std::setprecision(9);
  for (const ChainPath& path : paths) {
    for (const PathStep& s : path.steps) {
      out << path.item << ',' << s.step << ',' << s.t << ',' << s.sigma << ',' << s.x0_distance << ','
          << s.change_done << ',' << s.eps_rms << ',' << s.pc1 << ',' << s.pc2 << ',';
      if (s.posterior_entropy) out << *s.posterior_entropy;
      out << '\n';
    }
  }
}

}  // namespace diffscope
