#pragma once
// The samplers' view of a model: D(x, σ) → x̂_0 in the σ-form x = x_0 + σ·ε
// (k-diffusion's convention). The predicted noise follows as ε̂ = (x − x̂_0)/σ.
#include <ATen/core/Tensor.h>

namespace diffscope {

class Denoiser {
 public:
  virtual ~Denoiser() = default;
  virtual at::Tensor denoise(const at::Tensor& x, double sigma) = 0;
  // The model timestep that corresponds to σ (reported in step events).
  virtual double timestep(double sigma) const = 0;
};

}  // namespace diffscope
