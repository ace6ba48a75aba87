#include "core/training/adamw.h"

#include <cmath>

#include "core/common/errors.h"

namespace diffscope::training {

AdamW::AdamW(std::map<std::string, torch::Tensor> parameters, AdamWOptions options)
    : parameters_(std::move(parameters)), options_(options) {
  for (const auto& [name, p] : parameters_) {
    exp_avg_.emplace(name, torch::zeros_like(p));
    exp_avg_sq_.emplace(name, torch::zeros_like(p));
  }
}

void AdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  ++steps_;
  const double correction1 = 1.0 - std::pow(options_.beta1, double(steps_));
  const double correction2 = 1.0 - std::pow(options_.beta2, double(steps_));
  for (auto& [name, p] : parameters_) {
    torch::Tensor& grad = p.mutable_grad();
    if (!grad.defined()) continue;
    // Decoupled weight decay, only on weight matrices/kernels (not biases, norms, embeddings' scale).
    if (p.dim() >= 2 && options_.weight_decay > 0) p.mul_(1.0 - lr * options_.weight_decay);
    torch::Tensor& m = exp_avg_.at(name);
    torch::Tensor& v = exp_avg_sq_.at(name);
    m.mul_(options_.beta1).add_(grad, 1.0 - options_.beta1);
    v.mul_(options_.beta2).addcmul_(grad, grad, 1.0 - options_.beta2);
    torch::Tensor denominator = (v / correction2).sqrt_().add_(options_.epsilon);
    p.addcdiv_(m, denominator, -lr / correction1);
    grad.zero_();
  }
}

std::map<std::string, torch::Tensor> AdamW::state() const {
  std::map<std::string, torch::Tensor> state;
  for (const auto& [name, m] : exp_avg_) state.emplace("exp_avg." + name, m);
  for (const auto& [name, v] : exp_avg_sq_) state.emplace("exp_avg_sq." + name, v);
  return state;
}

void AdamW::load_state(const std::map<std::string, torch::Tensor>& state, int64_t steps_taken) {
  torch::NoGradGuard no_grad;
  for (auto* moments : {&exp_avg_, &exp_avg_sq_}) {
    const std::string prefix = moments == &exp_avg_ ? "exp_avg." : "exp_avg_sq.";
    for (auto& [name, tensor] : *moments) {
      auto found = state.find(prefix + name);
      if (found == state.end() || found->second.sizes() != tensor.sizes()) {
        throw Error("the checkpoint's optimiser state lacks or mis-shapes '" + prefix + name + "'");
      }
      tensor.copy_(found->second);
    }
  }
  steps_ = steps_taken;
}

double warmup_cosine_lr(int64_t step, int64_t total, int64_t warmup, double peak, double final_fraction) {
  if (step < warmup) return peak * double(step + 1) / double(warmup);
  const double progress = std::min(1.0, double(step - warmup) / double(std::max<int64_t>(1, total - warmup)));
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
  return peak * (final_fraction + (1.0 - final_fraction) * cosine);
}

}  // namespace diffscope::training
