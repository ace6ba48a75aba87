#pragma once
// A denoising network as trained: it sees the variance-preserving x_t, a
// (possibly fractional) timestep and a conditioning tensor, and predicts ε, v
// or x_0. Every model (built-in, oracle, Stable Diffusion) implements this; the
// samplers never see it directly but through NetworkDenoiser.
#include <ATen/core/Tensor.h>

#include <string>

#include "core/common/cancel_token.h"

namespace diffscope {

enum class Prediction { Epsilon, V, Sample };

Prediction prediction_by_name(const std::string& name);  // "epsilon", "v", "sample"
std::string prediction_name(Prediction prediction);

class Network {
 public:
  virtual ~Network() = default;
  virtual Prediction prediction() const = 0;
  // x_t: (B, C, H, W); context: conditioning with batch B in dim 0.
  // Long forward passes call cancel.throw_if_cancelled() between blocks.
  virtual at::Tensor forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken& cancel) = 0;
};

}  // namespace diffscope
