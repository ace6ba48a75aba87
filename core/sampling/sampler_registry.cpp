#include <cmath>

#include "core/common/errors.h"
#include "core/sampling/sampler.h"

namespace diffscope {

const std::vector<SamplerInfo>& all_samplers() {
  static const std::vector<SamplerInfo> samplers = {
      {SamplerId::Euler, "euler", "Euler", "Euler's method on the probability-flow ODE", false, false, 0.0, 1,
       "linspace", &sample_euler},
      {SamplerId::EulerAncestral, "euler_a", "Euler a", "Euler with fresh noise each step (ancestral)", true, true, 1.0,
       1, "linspace", &sample_euler_ancestral},
      {SamplerId::Heun, "heun", "Heun", "second-order Heun, two model calls per step", false, false, 0.0, 2, "linspace",
       &sample_heun},
      {SamplerId::Dpm2, "dpm2", "DPM2", "second order through the midpoint in log σ, two model calls per step", false,
       false, 0.0, 2, "karras", &sample_dpm2},
      {SamplerId::Dpm2Ancestral, "dpm2_a", "DPM2 a",
       "DPM2 with fresh noise each step (ancestral), two model calls per step", true, true, 1.0, 2, "karras",
       &sample_dpm2_ancestral},
      {SamplerId::Lms, "lms", "LMS", "linear multistep of order 4 on the last four derivatives", false, false, 0.0, 1,
       "linspace", &sample_lms, true},
      {SamplerId::Dpmpp2m, "dpmpp_2m", "DPM++ 2M", "DPM-Solver++ second-order multistep", false, false, 0.0, 1,
       "karras", &sample_dpmpp_2m, true},
      {SamplerId::Dpmpp2mSde, "dpmpp_2m_sde", "DPM++ 2M SDE",
       "DPM++ 2M with fresh noise each step (stochastic; η = 0 is DPM++ 2M)", true, true, 1.0, 1, "exponential",
       &sample_dpmpp_2m_sde, true},
      {SamplerId::Dpmpp2mSdeHeun, "dpmpp_2m_sde_heun", "DPM++ 2M SDE Heun",
       "DPM++ 2M SDE with the Heun-type second-order correction", true, true, 1.0, 1, "exponential",
       &sample_dpmpp_2m_sde_heun, true},
      {SamplerId::Dpmpp3mSde, "dpmpp_3m_sde", "DPM++ 3M SDE",
       "DPM-Solver++ third-order multistep with fresh noise each step (stochastic)", true, true, 1.0, 1, "exponential",
       &sample_dpmpp_3m_sde, true},
      {SamplerId::UniPc, "uni_pc", "UniPC",
       "UniPC (bh1): a third-order multistep predictor whose next model call also corrects it, one model call per "
       "step",
       false, false, 0.0, 1, "exponential", &sample_unipc, true},
      {SamplerId::UniPcBh2, "uni_pc_bh2", "UniPC bh2",
       "UniPC with B(h) = e^h − 1 (bh2, diffusers' default), one model call per step", false, false, 0.0, 1,
       "exponential", &sample_unipc_bh2, true},
      {SamplerId::DpmppSde, "dpmpp_sde", "DPM++ SDE",
       "stochastic DPM-Solver++ with a midpoint, two model calls per step", true, true, 1.0, 2, "karras",
       &sample_dpmpp_sde},
      {SamplerId::Dpmpp2sAncestral, "dpmpp_2s_a", "DPM++ 2S a",
       "DPM-Solver++(2S) with fresh noise each step (ancestral), two model calls per step", true, true, 1.0, 2,
       "karras", &sample_dpmpp_2s_ancestral},
      {SamplerId::Ddim, "ddim", "DDIM", "DDIM; η = 0 deterministic, η = 1 like DDPM", false, true, 0.0, 1, "trailing",
       &sample_ddim},
      {SamplerId::Ddpm, "ddpm", "DDPM", "the original ancestral sampler with its posterior variance", true, false, 0.0,
       1, "trailing", &sample_ddpm},
      {SamplerId::Lcm, "lcm", "LCM",
       "latent consistency: each step jumps to the boundary-conditioned x̂0, then re-noises (for LCM models and "
       "LCM-LoRA, 2–8 steps, CFG 1)",
       true, false, 0.0, 1, "lcm", &sample_lcm},
  };
  return samplers;
}

const SamplerInfo& sampler_info(SamplerId id) {
  for (const auto& sampler : all_samplers()) {
    if (sampler.id == id) return sampler;
  }
  throw Error("unknown sampler id");
}

const SamplerInfo& sampler_by_name(const std::string& name) {
  std::string choices;
  for (const auto& sampler : all_samplers()) {
    if (name == sampler.name || name == sampler.a1111_name) return sampler;
    choices += (choices.empty() ? "" : ", ") + sampler.name;
  }
  throw Error("unknown sampler '" + name + "' (choose one of: " + choices + ")");
}

at::Tensor run_sampler(const SamplerInfo& sampler, at::Tensor x, SampleRun& run) {
  const auto& sigmas = run.sigmas;
  if (sigmas.size() < 2) throw Error("a run needs at least one step (two noise levels)");
  for (size_t i = 0; i + 1 < sigmas.size(); ++i) {
    if (!(std::isfinite(sigmas[i]) && sigmas[i] > 0.0 && sigmas[i] > sigmas[i + 1])) {
      throw Error("the noise levels must be finite, positive and strictly decreasing (level " + std::to_string(i) +
                  ")");
    }
  }
  if (sigmas.back() < 0.0) throw Error("the final noise level must not be negative");
  const bool draws_noise = sampler.stochastic || (sampler.uses_eta && run.options.eta.value_or(0.0) > 0.0);
  if (draws_noise && run.noise == nullptr) {
    throw Error("sampler '" + sampler.name + "' needs a noise source");
  }
  if (run.noise != nullptr && run.noise->batch() != x.size(0)) {
    throw Error("the noise source's batch does not match the samples");
  }
  return sampler.fn(std::move(x), run);
}

}  // namespace diffscope
