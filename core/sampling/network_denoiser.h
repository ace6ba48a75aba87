#pragma once
// Wraps a Network once into a Denoiser (k-diffusion's external wrappers): feeds
// it x_t = x·c_in with c_in = 1/√(σ²+1) at t = t(σ), converts ε/v/x_0 output to
// x̂_0, and applies classifier-free guidance with cond and uncond in one batch.
#include <ATen/core/Tensor.h>

#include "core/common/cancel_token.h"
#include "core/sampling/denoiser.h"
#include "core/sampling/network.h"
#include "core/schedule/noise_schedule.h"

namespace diffscope {

struct Guidance {
  at::Tensor cond;     // conditioning; batch 1 (broadcast) or the run's batch
  at::Tensor uncond;   // undefined: no guidance
  double scale = 1.0;  // x̂ = uncond + scale·(cond − uncond)
};

// x̂_0 from a network output, for x in σ-form at noise level σ.
at::Tensor x0_from_prediction(Prediction prediction, const at::Tensor& output, const at::Tensor& x, double sigma);

class NetworkDenoiser : public Denoiser {
 public:
  NetworkDenoiser(Network& network, const NoiseSchedule& schedule, Guidance guidance, CancelToken cancel = {});
  at::Tensor denoise(const at::Tensor& x, double sigma) override;
  double timestep(double sigma) const override { return schedule_.t_at(sigma); }

 private:
  Network& network_;
  const NoiseSchedule& schedule_;
  Guidance guidance_;
  CancelToken cancel_;
};

}  // namespace diffscope
