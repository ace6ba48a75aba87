#pragma once
// Two denoisers handing over once: the first answers until `switch_now`
// (asked before every model call with its σ and the number of calls made so
// far) says yes, the second from that call to the end of the run — as
// AUTOMATIC1111 swaps in SDXL's refiner ("Refiner switch at"), never back.
// Samplers see one Denoiser.
#include <functional>
#include <utility>

#include "core/sampling/denoiser.h"

namespace diffscope {

class SwitchingDenoiser : public Denoiser {
 public:
  using Rule = std::function<bool(double sigma, int calls_so_far)>;
  SwitchingDenoiser(Denoiser& first, Denoiser& second, Rule switch_now)
      : first_(first), second_(second), switch_now_(std::move(switch_now)) {}
  at::Tensor denoise(const at::Tensor& x, double sigma) override {
    if (!switched_ && switch_now_(sigma, calls_)) switched_ = true;
    ++calls_;
    return (switched_ ? second_ : first_).denoise(x, sigma);
  }
  double timestep(double sigma) const override { return (switched_ ? second_ : first_).timestep(sigma); }
  bool switched() const { return switched_; }

 private:
  Denoiser& first_;
  Denoiser& second_;
  Rule switch_now_;
  bool switched_ = false;
  int calls_ = 0;
};

}  // namespace diffscope
