#pragma once
// RePaint's resampling (Lugmayr et al. 2022, with jump length 1) for
// inpainting: every step runs `repeats` times, and between two runs its
// result is noised back up to the step's starting level,
// x ← x' + √(σ_i² − σ_{i+1}²)·z, so that the repainted part is drawn again
// while the kept part (masked_denoiser.h) weighs in at a lower noise. Plain
// replacement lets the repainted part commit before the kept part says much
// (docs/PERFORMANCE.md, "Inpainting").
#include <ATen/core/Tensor.h>

#include "core/sampling/sampler.h"

namespace diffscope {

// Throws, naming the sampler, when `sampler` cannot be resampled: a multistep
// sampler's history would restart at every step.
void check_resamplable(const SamplerInfo& sampler);

// Runs `run` through `sampler` one step at a time, each step `repeats` times
// (1: run_sampler itself). The step events are each step's last run's, with
// the whole run's step numbers and times. Fresh noise comes from run.noise.
// A multistep sampler is refused (check_resamplable).
at::Tensor run_resampled(const SamplerInfo& sampler, at::Tensor x, SampleRun& run, int repeats);

}  // namespace diffscope
