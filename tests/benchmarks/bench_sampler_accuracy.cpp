// How close each deterministic sampler (and each stochastic one with η = 0)
// lands to the probability-flow ODE's solution after n steps, on SD's noise
// schedule and each σ spacing — the numbers behind a sampler's default spacing
// and behind docs/PERFORMANCE.md ("UniPC"). Two problems with a known answer:
//  - Gaussian data N(0.1, s²) (s = 0.5 and 1), solved exactly; the error is
//    against x̂0 of the exact solution at the last σ > 0 (where every sampler
//    ends: its step to 0 is x̂0), relative to that image's largest value;
//  - the oracle on 3,000 random 2×2 images (a many-modal x̂0 that sharpens as
//    σ falls), against Heun with 500 steps of the same spacing; RMS over 64
//    seeds' images.
//   build/tests/benchmarks/bench_sampler_accuracy [SAMPLER…]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/models/oracle.h"
#include "core/sampling/network_denoiser.h"
#include "core/sampling/sampler.h"
#include "core/schedule/spacing.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

const std::vector<int> kSteps = {5, 8, 10, 15, 20, 30};

at::Tensor run(const std::string& sampler, Denoiser& denoiser, const std::vector<double>& sigmas, at::Tensor x_T) {
  NoiseSource unused(0, x_T.size(0));  // asked for by the stochastic samplers; η = 0 draws nothing
  SampleRun run{denoiser, sigmas, &unused, nullptr, {}, {}};
  run.options.eta = 0.0;
  return run_sampler(sampler_by_name(sampler), std::move(x_T), run);
}

void print_row(const std::string& sampler, const std::vector<double>& errors) {
  std::printf("| %s |", sampler_by_name(sampler).a1111_name.c_str());
  for (double e : errors) std::printf(" %.2g |", e);
  std::printf("\n");
}

void print_header(const std::string& title) {
  std::printf("\n%s\n\n| sampler |", title.c_str());
  for (int steps : kSteps) std::printf(" %d |", steps);
  std::printf("\n|---|");
  for (size_t i = 0; i < kSteps.size(); ++i) std::printf("---|");
  std::printf("\n");
}

void gaussian_table(const std::vector<std::string>& samplers, const std::string& spacing, double spread) {
  const auto schedule = NoiseSchedule::scaled_linear();
  print_header("Gaussian data, s = " + std::to_string(spread).substr(0, 3) + ", " + spacing + " spacing");
  for (const auto& sampler : samplers) {
    std::vector<double> errors;
    for (int steps : kSteps) {
      const auto sigmas = make_sigmas(schedule, steps, spacing_by_name(spacing));
      support::GaussianDenoiser denoiser(0.1, spread);
      const double sigma_max = sigmas.front(), sigma_last = sigmas[sigmas.size() - 2];
      const at::Tensor x_T = at::linspace(-3, 3, 16, at::kDouble).reshape({1, 1, 4, 4}) * sigma_max;
      const at::Tensor limit = denoiser.denoise(denoiser.exact(x_T, sigma_max, sigma_last), sigma_last);
      const at::Tensor x = run(sampler, denoiser, sigmas, x_T);
      errors.push_back((x - limit).abs().max().item<double>() / limit.abs().max().item<double>());
    }
    print_row(sampler, errors);
  }
}

void oracle_table(const std::vector<std::string>& samplers, const std::string& spacing) {
  const auto schedule = NoiseSchedule::scaled_linear();
  OracleNetwork oracle(support::random_images(3000, 1, 2, 2), schedule);
  NetworkDenoiser denoiser(oracle, schedule, Guidance{oracle.unconditional(), {}, 1.0});
  NoiseSource noise(5, 64);
  const at::Tensor z = noise.draw({1, 2, 2});
  const auto reference_sigmas = make_sigmas(schedule, 500, spacing_by_name(spacing));
  const at::Tensor reference = run("heun", denoiser, reference_sigmas, z * reference_sigmas.front());
  print_header("Oracle, 3,000 images of 2×2, " + spacing + " spacing");
  for (const auto& sampler : samplers) {
    std::vector<double> errors;
    for (int steps : kSteps) {
      const auto sigmas = make_sigmas(schedule, steps, spacing_by_name(spacing));
      const at::Tensor x = run(sampler, denoiser, sigmas, z * sigmas.front());
      errors.push_back((x - reference).pow(2).mean().sqrt().item<double>());
    }
    print_row(sampler, errors);
  }
}

}  // namespace

int main(int argc, char** argv) {
  at::set_num_threads(1);
  std::vector<std::string> samplers(argv + 1, argv + argc);
  if (samplers.empty()) samplers = {"euler", "lms", "dpmpp_2m", "dpmpp_3m_sde", "uni_pc", "uni_pc_bh2"};
  for (const std::string spacing :
       {"karras", "exponential", "linspace", "trailing", "sgm_uniform", "beta", "kl_optimal", "align_your_steps"}) {
    gaussian_table(samplers, spacing, 0.5);
    gaussian_table(samplers, spacing, 1.0);
    oracle_table(samplers, spacing);
  }
  return 0;
}
