#include "core/pipeline/numeric_faults.h"

#include <ATen/ATen.h>

#include <cstdio>

#include "core/common/errors.h"

namespace diffscope {

bool all_finite(const at::Tensor& tensor) {
  if (!tensor.defined() || tensor.numel() == 0 || !at::isFloatingType(tensor.scalar_type())) return true;
  return at::isfinite(tensor).all().item<bool>();
}

void check_text_conditioning(const at::Tensor& conditioning, const std::string& which) {
  if (all_finite(conditioning)) return;
  throw Error("the text encoder produced NaN or infinite values for the " + which +
              ", so no image can follow: its weights (or a LoRA merged into them) are broken or overflow in "
              "16 bits — try float32 precision, take the LoRAs out, or use another checkpoint");
}

void check_step(const StepEvent& event, const std::string& network) {
  if (all_finite(event.x0)) return;
  char where[96];
  std::snprintf(where, sizeof where, " at step %d of %d (σ = %.4g)", event.index + 1, event.total, event.sigma);
  throw Error("the " + network + " produced NaN or infinite values" + where +
              "; the run stopped instead of making a black image. Try float32 precision (16-bit overflow), a "
              "lower CFG scale, without the LoRAs, or another checkpoint (its weights may be broken)");
}

void check_decoded(const at::Tensor& images) {
  if (all_finite(images)) return;
  throw Error(
      "the VAE decoder produced NaN or infinite values, so the image would be black: a VAE that overflows "
      "in 16 bits does this (SDXL's original VAE in float16) — try float32 or bfloat16 precision, or a "
      "fixed VAE file (--vae, the app's VAE setting)");
}

}  // namespace diffscope
