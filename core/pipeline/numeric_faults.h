#pragma once
// NaN and Inf from a network (a broken checkpoint, a bad LoRA, a VAE that
// overflows in float16) would otherwise come out as a silently black or grey
// image. Like A1111's "NaNs were produced" check, the run stops instead, with
// a message naming the part, the step and what to try. Each check is one pass
// over a latent- or image-sized tensor (docs/RELIABILITY.md: well under 1 % of
// a step).
#include <ATen/core/Tensor.h>

#include <string>

#include "core/sampling/step_event.h"

namespace diffscope {

// Error when the text conditioning (`which`: "prompt", "negative prompt") holds NaN or Inf.
void check_text_conditioning(const at::Tensor& conditioning, const std::string& which);

// Error when a step's prediction holds NaN or Inf; `network` names the part ("U-Net").
void check_step(const StepEvent& event, const std::string& network);

// Error when the decoded images hold NaN or Inf.
void check_decoded(const at::Tensor& images);

// Whether every value is finite (empty tensors are).
bool all_finite(const at::Tensor& tensor);

}  // namespace diffscope
