#pragma once
// Samplers walk a descending list of noise levels σ_0 > … > σ_n (σ_n usually
// 0) with a Denoiser, k-diffusion style: x starts as σ_0·noise in σ-form and
// each step reports a StepEvent. One sampler per file; a registry by name.
#include <ATen/core/Tensor.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/sampling/denoiser.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/step_event.h"

namespace diffscope {

// The samplers a request can name (parsed from their names at the edge).
enum class SamplerId {
  Euler,
  EulerAncestral,
  Heun,
  Dpmpp2m,
  Ddim,
  Ddpm,
  Lcm,
  Dpmpp2mSde,
  DpmppSde,
  Dpmpp2sAncestral,
  Dpm2,
  Dpmpp2mSdeHeun,
  Dpmpp3mSde,
  Dpm2Ancestral,
  Lms,
  UniPc,
  UniPcBh2
};

// DDPM's posterior standard deviation: σ̃² = β (upper bound) or β̃ (posterior).
enum class DdpmVariance { Beta, BetaTilde };

struct SamplerOptions {
  std::optional<double> eta;  // DDIM's η / the ancestral samplers' noise share; unset: the sampler's default
  DdpmVariance ddpm_variance = DdpmVariance::BetaTilde;
  // Called at the start of step i, before its model call and its noise (a
  // branched chain switches its conditioning and noise stream there).
  std::function<void(int step)> before_step;
};

struct SampleRun {
  Denoiser& denoiser;
  std::vector<double> sigmas;    // n + 1 levels for n steps
  NoiseSource* noise = nullptr;  // fresh noise for stochastic samplers
  StepCallback on_step;          // may be empty
  CancelToken cancel;
  SamplerOptions options;
};

using SamplerFn = at::Tensor (*)(at::Tensor x, SampleRun& run);

at::Tensor sample_ddpm(at::Tensor x, SampleRun& run);
at::Tensor sample_ddim(at::Tensor x, SampleRun& run);
at::Tensor sample_euler(at::Tensor x, SampleRun& run);
at::Tensor sample_euler_ancestral(at::Tensor x, SampleRun& run);
at::Tensor sample_heun(at::Tensor x, SampleRun& run);
at::Tensor sample_dpmpp_2m(at::Tensor x, SampleRun& run);
at::Tensor sample_lcm(at::Tensor x, SampleRun& run);
at::Tensor sample_dpmpp_2m_sde(at::Tensor x, SampleRun& run);
at::Tensor sample_dpmpp_sde(at::Tensor x, SampleRun& run);
at::Tensor sample_dpmpp_2s_ancestral(at::Tensor x, SampleRun& run);
at::Tensor sample_dpm2(at::Tensor x, SampleRun& run);
at::Tensor sample_dpmpp_2m_sde_heun(at::Tensor x, SampleRun& run);
at::Tensor sample_dpmpp_3m_sde(at::Tensor x, SampleRun& run);
at::Tensor sample_dpm2_ancestral(at::Tensor x, SampleRun& run);
at::Tensor sample_lms(at::Tensor x, SampleRun& run);
at::Tensor sample_unipc(at::Tensor x, SampleRun& run);      // unipc.h: bh1, order 3
at::Tensor sample_unipc_bh2(at::Tensor x, SampleRun& run);  // unipc.h: bh2, order 3

struct SamplerInfo {
  SamplerId id;
  std::string name;        // our id: "euler_a"
  std::string a1111_name;  // AUTOMATIC1111's label: "Euler a"
  std::string description;
  bool stochastic;  // draws fresh noise each step
  bool uses_eta;
  double default_eta;
  int evaluations_per_step;     // model calls per step (Heun: 2)
  std::string default_spacing;  // what "automatic" spacing means for it
  SamplerFn fn;
  bool multistep = false;  // uses earlier steps' predictions (a step alone runs at a lower order)
};

const std::vector<SamplerInfo>& all_samplers();
const SamplerInfo& sampler_info(SamplerId id);
// By our id or A1111's label; Error naming the choices otherwise.
const SamplerInfo& sampler_by_name(const std::string& name);

// Runs a sampler after checking the σ list and the noise source it needs.
at::Tensor run_sampler(const SamplerInfo& sampler, at::Tensor x, SampleRun& run);

}  // namespace diffscope
