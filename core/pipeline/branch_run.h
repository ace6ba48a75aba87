#pragma once
// Running a branched request (branch.h): the chain is cut into segments — the
// root run's settings from step 0, each branch's from its branch point — and
// consecutive segments with one sampler run as one pass whose denoiser and
// noise stream switch at the boundary. So a multistep sampler keeps its
// history across a branch point, and a branch that changes nothing is its
// parent bit for bit; a new sampler starts a new pass (and its own history).
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
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
// the `run_steps` steps its σ list has: one per branch, and within each one
// per prompt where prompt editing or alternation changes it.
std::vector<ChainSegment> chain_segments(const Request& request, int run_steps);

using DenoiserFactory = std::function<std::unique_ptr<Denoiser>(const Request& settings)>;

// Runs x (σ_0-scaled, its noise drawn from `noise` with the root's seeds)
// through `sigmas` as the segments say; reports every step with its index in
// the whole chain.
at::Tensor run_segments(at::Tensor x, const std::vector<ChainSegment>& segments, const std::vector<double>& sigmas,
                        const DenoiserFactory& make_denoiser, NoiseSource& noise, int batch,
                        const StepCallback& on_step, const CancelToken& cancel);

}  // namespace diffscope
