// RePaint's resampling (core/sampling/resampling.h): one repeat is the sampler
// itself; more repeats keep the marginals exact (the noise added back is the
// step's own, not more, not less); the events are the run's steps; a
// multistep sampler is refused. Also which samplers say they are multistep.
#include "core/sampling/resampling.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/common/errors.h"
#include "core/sampling/noise_source.h"
#include "core/schedule/spacing.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

constexpr double kMean = 0.5, kStd = 0.3;
constexpr int kItems = 2048;

std::vector<int64_t> item_seeds() {
  std::vector<int64_t> seeds(kItems);
  for (int i = 0; i < kItems; ++i) seeds[size_t(i)] = 1000 + i;
  return seeds;
}

// kItems one-number samples from x_T = μ + σ_0·z, through a sampler.
struct GaussianRun {
  support::GaussianDenoiser denoiser{kMean, kStd};
  NoiseSource noise{item_seeds()};
  std::vector<StepEvent> events;

  at::Tensor operator()(SamplerId id, const std::vector<double>& sigmas, int repeats) {
    SampleRun run{denoiser, sigmas, &noise, [this](const StepEvent& e) { events.push_back(e); }, {}, {}};
    return run_resampled(sampler_info(id), start(sigmas), run, repeats);
  }
  at::Tensor plain(SamplerId id, const std::vector<double>& sigmas) {
    SampleRun run{denoiser, sigmas, &noise, {}, {}, {}};
    return run_sampler(sampler_info(id), start(sigmas), run);
  }
  at::Tensor start(const std::vector<double>& sigmas) {
    return noise.draw({1}).to(at::kDouble) * sigmas.front() + kMean;
  }
};

std::vector<double> sigmas(int steps) { return karras_sigmas(steps, 0.03, 14.6); }

}  // namespace

TEST(Resampling, OneRepeatIsTheSamplerItself) {
  for (SamplerId id : {SamplerId::Euler, SamplerId::EulerAncestral, SamplerId::Dpmpp2m}) {
    GaussianRun resampled, plain;
    EXPECT_TRUE(at::equal(resampled(id, sigmas(10), 1), plain.plain(id, sigmas(10)))) << sampler_info(id).name;
  }
}

TEST(Resampling, RepeatsKeepTheDataDistribution) {
  // The data are N(μ, s²) and the denoiser is exact: whatever the repeats, the
  // samples must end N(μ, s²), up to the sampler's own step error (which the
  // repeats add up: 100 steps keep it small). Noise added back with the wrong
  // scale (σ_i instead of √(σ_i² − σ_{i+1}²)) would widen them many times over.
  for (SamplerId id : {SamplerId::Euler, SamplerId::EulerAncestral, SamplerId::Heun}) {
    for (int repeats : {1, 4}) {
      GaussianRun run;
      const at::Tensor x = run(id, sigmas(100), repeats);
      EXPECT_NEAR(x.mean().item<double>(), kMean, 0.02) << sampler_info(id).name << " ×" << repeats;
      EXPECT_NEAR(x.std().item<double>(), kStd, 0.02) << sampler_info(id).name << " ×" << repeats;
      // Every repeat calls the model again (Heun's last step, to σ = 0, is Euler's).
      const int calls = sampler_info(id).evaluations_per_step * 100 - (id == SamplerId::Heun ? 1 : 0);
      EXPECT_EQ(run.denoiser.calls, calls * repeats) << sampler_info(id).name;
    }
  }
}

TEST(Resampling, RepeatsDrawTheStepAgain) {
  // Deterministic Euler still changes: the noise added back is fresh.
  GaussianRun once, thrice;
  EXPECT_FALSE(at::allclose(once(SamplerId::Euler, sigmas(8), 1), thrice(SamplerId::Euler, sigmas(8), 3)));
}

TEST(Resampling, ReportsEachStepOnceWithTheRunsNumbers) {
  GaussianRun run;
  run(SamplerId::EulerAncestral, sigmas(6), 4);
  ASSERT_EQ(run.events.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(run.events[size_t(i)].index, i);
    EXPECT_EQ(run.events[size_t(i)].total, 6);
    EXPECT_DOUBLE_EQ(run.events[size_t(i)].sigma, sigmas(6)[size_t(i)]);
    if (i > 0) {
      EXPECT_GE(run.events[size_t(i)].elapsed, run.events[size_t(i) - 1].elapsed);
    }
  }
}

TEST(Resampling, RefusesMultistepSamplers) {
  // What "multistep" means, checked on the samplers: running a 2-step list as
  // one run equals two 1-step runs exactly when a sampler keeps no history.
  for (const SamplerInfo& sampler : all_samplers()) {
    if (sampler.stochastic) continue;  // fresh noise per call would differ anyway
    support::GaussianDenoiser denoiser(kMean, kStd);
    NoiseSource noise(7, 1);
    const std::vector<double> list = {10.0, 2.0, 0.5};
    const at::Tensor x = at::full({1, 1}, 3.0, at::kDouble);
    SampleRun whole{denoiser, list, &noise, {}, {}, {}};
    const at::Tensor together = run_sampler(sampler, x, whole);
    SampleRun first{denoiser, {10.0, 2.0}, &noise, {}, {}, {}};
    SampleRun second{denoiser, {2.0, 0.5}, &noise, {}, {}, {}};
    const at::Tensor middle = run_sampler(sampler, x, first);
    const at::Tensor apart = run_sampler(sampler, middle, second);
    EXPECT_EQ(!at::allclose(together, apart, 1e-12, 1e-12), sampler.multistep) << sampler.name;
  }
  GaussianRun run;
  try {
    run(SamplerId::Dpmpp2m, sigmas(4), 2);
    FAIL() << "DPM++ 2M was resampled";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DPM++ 2M builds each step on the ones before"), std::string::npos);
  }
}
