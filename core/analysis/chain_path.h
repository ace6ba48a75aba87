#pragma once
// The path one image takes through a run, in numbers (issue 20, "the path an
// image takes"): per step, how far the prediction x̂₀ still is from the final
// sample, how large the predicted noise ε̂ is at that σ, where x_t lies on the
// run's two main directions (principal components over the steps), and for
// the oracle how undecided its posterior over the training images still is.
// Distances are measured where the model samples: latents for latent models,
// pixels in [−1, 1] for the oracle.
#include <ATen/core/Tensor.h>

#include <optional>
#include <ostream>
#include <vector>

#include "core/sampling/step_event.h"

namespace diffscope {

struct PathStep {
  int step = 0;
  double t = 0, sigma = 0;
  double x0_distance = 0;  // RMS of (x̂₀ − final sample), per element
  // 1 − x0_distance / the first step's: the share of the change from the
  // first prediction to the final sample that has happened by this step.
  double change_done = 0;
  double eps_rms = 0;      // RMS of ε̂ (near 1 where the model's noise estimate is calibrated)
  double pc1 = 0, pc2 = 0;  // x_t on the first two principal components of the run's x_t
  std::optional<double> posterior_entropy;  // the oracle: nats (0: decided on one image)
};

struct ChainPath {
  int item = 0;  // the batch item
  std::vector<PathStep> steps;
  int step_90 = -1;  // the first step with change_done ≥ 0.9 (-1: none)
  double pc1_share = 0, pc2_share = 0;  // the share of the x_t's variance each component holds
};

// Keeps one batch item's x_t and x̂₀ of every step (float32, on the CPU).
class ChainPathRecorder {
 public:
  explicit ChainPathRecorder(int item = 0) : item_(item) {}
  void add(const StepEvent& event, std::optional<double> posterior_entropy = std::nullopt);
  int steps() const { return static_cast<int>(x_t_.size()); }
  // The numbers, against `final_sample` (the run's samples, batch first).
  ChainPath finish(const at::Tensor& final_sample) const;

 private:
  int item_;
  std::vector<at::Tensor> x_t_, x0_;  // x_t_: float64, minus the first step's
  at::Tensor first_x_t_;
  std::vector<std::vector<double>> gram_rows_;  // x_t_[i]·x_t_[j] for j ≤ i
  std::vector<PathStep> steps_;  // t, σ, ε̂ RMS and entropy, as they came
};

// "item,step,t,sigma,x0_distance,change_done,eps_rms,pc1,pc2,posterior_entropy"
// (entropy empty where the model has none), one row per step of each path.
void write_path_csv(std::ostream& out, const std::vector<ChainPath>& paths);

}  // namespace diffscope
