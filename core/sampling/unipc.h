#pragma once
// UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework for
// Fast Sampling of Diffusion Models"), the data-prediction multistep form that
// AUTOMATIC1111 ("UniPC") and ComfyUI ("uni_pc", "uni_pc_bh2") run. Each step
// predicts x at the next level from the last `order` x̂0 (UniP), the model is
// called there, and that call's x̂0 corrects the step it was made from (UniC):
// one order more for no extra model call.
#include <ATen/core/Tensor.h>

#include <deque>
#include <vector>

#include "core/sampling/sampler.h"

namespace diffscope {

// B(h) in the paper's update (h the step in λ = −log σ, negated for data
// prediction): bh1 is B(h) = h (A1111's and ComfyUI's "uni_pc"), bh2 is
// B(h) = e^h − 1 (diffusers' default, ComfyUI's "uni_pc_bh2").
enum class UniPcVariant { Bh1, Bh2 };

struct UniPcOptions {
  UniPcVariant variant = UniPcVariant::Bh1;
  int order = 3;                  // how many x̂0 a step may use (A1111's and ComfyUI's 3)
  bool corrector = true;          // UniC after every step but the last
  bool lower_order_final = true;  // the last steps drop to order 2 and 1, as A1111 and ComfyUI do
};

// A level the chain has passed and the model's x̂0 there.
struct UniPcPoint {
  double sigma = 0.0;
  at::Tensor x0;
};

// One step of the given order (≤ the points known) from the newest known
// level σ_s to σ_t > 0; the step's coefficients are worked out once here.
class UniPcStep {
 public:
  UniPcStep(const std::deque<UniPcPoint>& known, double sigma_t, int order, UniPcVariant variant);
  // x at σ_t from x at σ_s (UniP).
  at::Tensor predict(const at::Tensor& x) const;
  // x at σ_t again from x at σ_s, now also using the model's x̂0 at σ_t (UniC).
  at::Tensor correct(const at::Tensor& x, const at::Tensor& x0_t) const;

 private:
  at::Tensor first_order(const at::Tensor& x) const;
  at::Tensor weighted(const std::vector<double>& rho) const;

  UniPcPoint newest_;
  double sigma_t_;
  double b_h_ = 0.0;                     // B(h)
  std::vector<at::Tensor> differences_;  // D_k for the k-th point before the newest, k = 1 … order − 1
  std::vector<double> predictor_, corrector_;
};

// The registry's "uni_pc" and "uni_pc_bh2" are this with the defaults above.
// The step reported at level i is the predicted x there (the model's input);
// the chain then carries the corrected x. A step to σ = 0 returns x̂0, the
// limit of the first-order step there.
at::Tensor sample_unipc_with(at::Tensor x, SampleRun& run, const UniPcOptions& options);

}  // namespace diffscope
