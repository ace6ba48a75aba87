#pragma once
// Running a branched request (branch.h) or an edited prompt: the chain is cut
// into segments — the root run's settings from step 0, each branch's from its
// branch point — and consecutive segments with one sampler run as one pass
// whose denoiser and noise stream switch at the boundary. So a multistep
// sampler keeps its history across a branch point, and a branch that changes
// nothing is its parent bit for bit; a new sampler starts a new pass (and its
// own history). Within a segment, A1111's prompt editing and alternation
// choose the conditioning model call by model call, as A1111 does (a Heun
// step's corrector may read another prompt than its predictor).
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/pipeline/request.h"
#include "core/sampling/denoiser.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/step_event.h"

namespace diffscope {

// The steps from `begin` on follow `settings` (its prompt, negative prompt,
// CFG, sampler, η, DDPM variance and seed), until the next segment's begin.
struct ChainSegment {
  int begin = 0;
  Request settings;
};

// A request's segments (with_parent_settings applied), oldest first, over
// the `run_steps` steps its σ list has: one per branch.
std::vector<ChainSegment> chain_segments(const Request& request, int run_steps);

// What one model call is conditioned on: its segment's prompt and negative
// prompt as prompt editing has them at that call.
struct CallConditioning {
  size_t segment = 0;
  std::string prompt;
  std::string negative_prompt;
};

// For each step of the chain through `sigmas`, its model calls in order —
// one, or two for Heun's (one on a last step to σ = 0); a segment numbers
// them from the chain's start as its own sampler would (step × calls per
// step) and schedules its prompts over its own steps × calls per step
// (prompt_at_call).
std::vector<std::vector<CallConditioning>> call_conditioning(const std::vector<ChainSegment>& segments,
                                                             const std::vector<double>& sigmas);

using DenoiserFactory = std::function<std::unique_ptr<Denoiser>(const Request& settings)>;

// Runs x (σ_0-scaled, its noise drawn from `noise` with the root's seeds)
// through `sigmas` as the segments say; reports every step with its index in
// the whole chain.
at::Tensor run_segments(at::Tensor x, const std::vector<ChainSegment>& segments, const std::vector<double>& sigmas,
                        const DenoiserFactory& make_denoiser, NoiseSource& noise, int batch,
                        const StepCallback& on_step, const CancelToken& cancel);

}  // namespace diffscope
