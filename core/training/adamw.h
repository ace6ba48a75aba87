#pragma once
// AdamW (Loshchilov & Hutter 2019) over named parameters, with its moments
// open to the checkpoint writer, so an interrupted training run resumes with
// exactly the optimiser state it had (LibTorch's own optimisers serialise
// through TorchScript archives, which this project does not load).
#include <torch/types.h>

#include <map>
#include <string>

namespace diffscope::training {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weight_decay = 0.01;
};

class AdamW {
 public:
  AdamW(std::map<std::string, torch::Tensor> parameters, AdamWOptions options = {});

  // One update with learning rate `lr` from the parameters' .grad(); clears them.
  void step(double lr);
  int64_t steps_taken() const { return steps_; }

  // "exp_avg.<name>", "exp_avg_sq.<name>" → tensors; load checks every name.
  std::map<std::string, torch::Tensor> state() const;
  void load_state(const std::map<std::string, torch::Tensor>& state, int64_t steps_taken);

 private:
  std::map<std::string, torch::Tensor> parameters_, exp_avg_, exp_avg_sq_;
  AdamWOptions options_;
  int64_t steps_ = 0;
};

// Linear warm-up to `peak`, then cosine decay to peak·final_fraction at `total`.
double warmup_cosine_lr(int64_t step, int64_t total, int64_t warmup, double peak, double final_fraction);

}  // namespace diffscope::training
