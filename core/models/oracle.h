#pragma once
// The oracle denoiser: for a finite image set {x⁽ⁱ⁾} the exact minimiser of the
// DDPM loss is E[x_0 | x_t] = Σ_i w_i·x⁽ⁱ⁾ with
// w = softmax(−‖x_t − √ᾱ_t·x⁽ⁱ⁾‖² / (2(1−ᾱ_t)) + log prior_i).
// It needs no training, tests every sampler, and shows which set images the
// ideal model is "considering" at each step.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/sampling/network.h"
#include "core/schedule/noise_schedule.h"

namespace diffscope {

class OracleNetwork : public Network {
 public:
  // images: (N, C, H, W) in the model's range; the schedule maps t to ᾱ_t.
  OracleNetwork(const at::Tensor& images, const NoiseSchedule& schedule);

  Prediction prediction() const override { return Prediction::Sample; }
  // context: (B, N) log-prior over the set (0 = allowed, −inf = excluded).
  at::Tensor forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken& cancel) override;

  // The posterior weights w (B, N) behind forward().
  at::Tensor weights(const at::Tensor& x_t, double t, const at::Tensor& context);

  int64_t size() const { return images_.size(0); }
  // Set image i as (C, H, W) in the model's range.
  at::Tensor image(int64_t i) const;
  at::IntArrayRef image_shape() const { return shape_; }
  // Context that allows every image / only the given ones (batch 1).
  at::Tensor unconditional() const;
  at::Tensor restricted_to(const std::vector<int64_t>& indices) const;

 private:
  const at::Tensor& flat_images_for(const at::Tensor& like);

  // The weights over the images some batch row allows (log-prior above −∞):
  // the others weigh exactly 0, so a prompt that allows 20 of 1,794 images
  // needs products with those 20 only. When more than half are allowed,
  // gathering them costs more than it saves: `allowed` is then undefined
  // and the weights are over all N.
  struct Posterior {
    at::Tensor weights;  // (B, K)
    at::Tensor allowed;  // (K) indices into the set
    at::Tensor images;   // (K, D) those images, centred
  };
  Posterior posterior(const at::Tensor& x_t, double t, const at::Tensor& context);

  at::Tensor images_;  // (N, D) in the set's floating type, centred: x⁽ⁱ⁾ − mean
  at::Tensor mean_;    // (D)
  std::vector<int64_t> shape_;
  const NoiseSchedule& schedule_;
  at::Tensor cached_;  // images_ converted to the last caller's dtype/device
  at::Tensor cached_mean_;
  at::Tensor cached_norms_;
};

}  // namespace diffscope
