#include "core/sampling/network_denoiser.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/common/errors.h"
#include "core/sampling/attention_probe.h"

namespace diffscope {
namespace {

at::Tensor match_batch(const at::Tensor& context, int64_t batch, const char* what) {
  if (context.size(0) == batch) return context;
  if (context.size(0) == 1) {
    std::vector<int64_t> sizes = context.sizes().vec();
    sizes[0] = batch;
    return context.expand(sizes);
  }
  throw Error(std::string("guidance: ") + what + " has batch " + std::to_string(context.size(0)) +
              ", the samples have " + std::to_string(batch));
}

}  // namespace

Prediction prediction_by_name(const std::string& name) {
  if (name == "epsilon" || name == "eps") return Prediction::Epsilon;
  if (name == "v" || name == "v_prediction") return Prediction::V;
  if (name == "sample" || name == "x0") return Prediction::Sample;
  throw Error("unknown prediction type '" + name + "' (use epsilon, v or sample)");
}

std::string prediction_name(Prediction prediction) {
  switch (prediction) {
    case Prediction::Epsilon: return "epsilon";
    case Prediction::V: return "v";
    case Prediction::Sample: return "sample";
  }
  return "unknown";
}

at::Tensor x0_from_prediction(Prediction prediction, const at::Tensor& output, const at::Tensor& x, double sigma) {
  const double c_in = 1.0 / std::sqrt(sigma * sigma + 1.0);
  switch (prediction) {
    case Prediction::Epsilon:  // x = x̂0 + σ·ε̂
      return x - output * sigma;
    case Prediction::V:  // x̂0 = √ᾱ·x_t − √(1−ᾱ)·v̂ with √ᾱ = c_in, x_t = x·c_in
      return x * (c_in * c_in) - output * (sigma * c_in);
    case Prediction::Sample: return output;
  }
  throw Error("unknown prediction type");
}

NetworkDenoiser::NetworkDenoiser(Network& network, const NoiseSchedule& schedule, Guidance guidance, CancelToken cancel)
    : network_(network), schedule_(schedule), guidance_(std::move(guidance)), cancel_(std::move(cancel)) {
  if (!guidance_.cond.defined()) throw Error("guidance: the conditioning tensor is missing");
}

at::Tensor NetworkDenoiser::denoise(const at::Tensor& x, double sigma) {
  const int64_t batch = x.size(0);
  const double t = schedule_.t_at(sigma);
  const double c_in = 1.0 / std::sqrt(sigma * sigma + 1.0);
  const at::Tensor cond = match_batch(guidance_.cond, batch, "the conditioning");
  const bool guided = guidance_.uncond.defined() && guidance_.scale != 1.0;
  AttentionProbe* probe = active_attention_probe();
  if (!guided) {
    if (probe != nullptr) probe->set_prompt_rows(0, batch);
    at::Tensor out = network_.forward(x * c_in, t, cond, cancel_);
    return x0_from_prediction(network_.prediction(), out, x, sigma);
  }
  // One batched call: [uncond; cond].
  const at::Tensor uncond = match_batch(guidance_.uncond, batch, "the negative conditioning");
  const at::Tensor x_in = at::cat({x, x}) * c_in;
  if (probe != nullptr) probe->set_prompt_rows(batch, batch);
  at::Tensor out = network_.forward(x_in, t, at::cat({uncond, cond}), cancel_);
  at::Tensor x0 = x0_from_prediction(network_.prediction(), out, at::cat({x, x}), sigma);
  auto halves = x0.chunk(2);
  return halves[0] + (halves[1] - halves[0]) * guidance_.scale;
}

}  // namespace diffscope
