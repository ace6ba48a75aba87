// One parameterised test over every sampler (the idea of diffusers' scheduler
// tests): the oracle on a small odd-sized image set, batch > 1.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/models/oracle.h"
#include "core/sampling/network_denoiser.h"
#include "core/sampling/sampler.h"
#include "core/schedule/spacing.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

struct Fixture {
  NoiseSchedule schedule = NoiseSchedule::linear();
  at::Tensor images = support::random_images(5, 3, 7, 9);
  OracleNetwork oracle{images, schedule};
  CancelToken cancel;
  NetworkDenoiser denoiser{oracle, schedule, Guidance{oracle.unconditional(), {}, 1.0}, cancel};
};

at::Tensor run(const SamplerInfo& sampler, Fixture& f, int steps, int64_t seed, std::vector<StepEvent>* events,
               int cancel_at = -1) {
  NoiseSource noise(seed, 3);
  SampleRun run{f.denoiser, make_sigmas(f.schedule, steps, spacing_by_name(sampler.default_spacing)),
                &noise,     nullptr,
                f.cancel,   {}};
  run.on_step = [&](const StepEvent& e) {
    if (events) events->push_back(e);
    if (e.index == cancel_at) f.cancel.cancel();
  };
  at::Tensor x = noise.draw({3, 7, 9}) * run.sigmas.front();
  return run_sampler(sampler, x, run);
}

}  // namespace

class EverySampler : public ::testing::TestWithParam<SamplerInfo> {};

TEST_P(EverySampler, KeepsShapeStaysFiniteAndReportsEveryStep) {
  Fixture f;
  std::vector<StepEvent> events;
  const at::Tensor out = run(GetParam(), f, 12, 3, &events);
  EXPECT_EQ(out.sizes(), (at::IntArrayRef{3, 3, 7, 9}));
  EXPECT_TRUE(at::isfinite(out).all().item<bool>());
  ASSERT_EQ(events.size(), 12u);
  const auto sigmas = make_sigmas(f.schedule, 12, spacing_by_name(GetParam().default_spacing));
  for (int i = 0; i < 12; ++i) {
    const StepEvent& e = events[i];
    EXPECT_EQ(e.index, i);
    EXPECT_EQ(e.total, 12);
    EXPECT_DOUBLE_EQ(e.sigma, sigmas[i]);
    EXPECT_NEAR(e.t, f.schedule.t_at(sigmas[i]), 1e-9);
    EXPECT_NEAR(e.alpha_bar, 1 / (1 + sigmas[i] * sigmas[i]), 1e-12);
    for (const auto* tensor : {&e.x_t, &e.x0, &e.eps}) {
      EXPECT_EQ(tensor->sizes(), out.sizes());
      EXPECT_TRUE(at::isfinite(*tensor).all().item<bool>());
    }
    // x_t is variance preserving: x_t = √ᾱ·x̂_0 + √(1−ᾱ)·ε̂.
    EXPECT_TRUE(at::allclose(e.x_t, e.x0 * std::sqrt(e.alpha_bar) + e.eps * std::sqrt(1 - e.alpha_bar), 1e-4, 1e-4));
  }
  EXPECT_GE(events.back().elapsed, events.front().elapsed);
  // The first step's input is the initial noise σ_0·z in σ-form, i.e. ≈ z in VP form.
  EXPECT_NEAR(events[0].x_t.std().item<double>(), 1.0, 0.15);
}

TEST_P(EverySampler, IsDeterministicForASeed) {
  Fixture f;
  const at::Tensor a = run(GetParam(), f, 8, 5, nullptr);
  const at::Tensor b = run(GetParam(), f, 8, 5, nullptr);
  EXPECT_TRUE(at::equal(a, b));
}

TEST_P(EverySampler, ReachesAnImageOfTheSet) {
  Fixture f;
  const at::Tensor out = run(GetParam(), f, 100, 11, nullptr);
  EXPECT_LT(support::rms_to_nearest(out, f.images).max().item<double>(), 0.05);
}

TEST_P(EverySampler, StopsAtTheCancelToken) {
  Fixture f;
  std::vector<StepEvent> events;
  EXPECT_THROW(run(GetParam(), f, 10, 1, &events, 2), Cancelled);
  EXPECT_EQ(events.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(All, EverySampler, ::testing::ValuesIn(all_samplers()),
                         [](const auto& info) { return info.param.name; });

TEST(SamplerRegistry, FindsByNameAndA1111Label) {
  EXPECT_EQ(sampler_by_name("Euler a").name, "euler_a");
  EXPECT_EQ(sampler_by_name("DPM++ 2M").name, "dpmpp_2m");
  EXPECT_EQ(sampler_by_name("DPM++ 2M SDE").name, "dpmpp_2m_sde");
  EXPECT_EQ(sampler_by_name("DPM++ 2S a").name, "dpmpp_2s_a");
  EXPECT_EQ(sampler_by_name("UniPC").name, "uni_pc");
  EXPECT_EQ(all_samplers().size(), 17u);
  EXPECT_THROW(sampler_by_name("plms"), Error);
}

TEST(SamplerRegistry, RejectsBadNoiseLevels) {
  support::GaussianDenoiser denoiser(0, 1);
  SampleRun run{denoiser, {1.0, 2.0, 0.0}, nullptr, nullptr, {}, {}};
  EXPECT_THROW(run_sampler(sampler_by_name("euler"), at::zeros({1, 1}), run), Error);
  run.sigmas = {1.0};
  EXPECT_THROW(run_sampler(sampler_by_name("euler"), at::zeros({1, 1}), run), Error);
  run.sigmas = {2.0, 1.0, 0.0};
  EXPECT_THROW(run_sampler(sampler_by_name("ddpm"), at::zeros({1, 1}), run), Error);  // needs noise
}

namespace {
// A fixed x̂0 whatever the input, and t = 100·σ (LCM's scalings depend on t).
struct FixedDenoiser : Denoiser {
  at::Tensor x0;
  at::Tensor denoise(const at::Tensor& x, double) override { return x0.expand_as(x).clone(); }
  double timestep(double sigma) const override { return 100.0 * sigma; }
};
}  // namespace

TEST(Lcm, EachStepIsTheBoundaryConditionedEstimateNoisedAfresh) {
  FixedDenoiser denoiser;
  denoiser.x0 = support::random_images(1, 3, 4, 5);
  const std::vector<double> sigmas = {2.0, 0.0005, 0.0};
  NoiseSource noise(7, 1), reference(7, 1);
  SampleRun run{denoiser, sigmas, &noise, nullptr, {}, {}};
  at::Tensor x = noise.draw({3, 4, 5}) * sigmas[0];
  at::Tensor expected = reference.draw({3, 4, 5}) * sigmas[0];
  for (size_t i = 0; i + 1 < sigmas.size(); ++i) {
    const double t = 100.0 * sigmas[i], s = 10.0 * t;
    const double c_skip = 0.25 / (s * s + 0.25), c_out = s / std::sqrt(s * s + 0.25);
    expected = expected / std::sqrt(1 + sigmas[i] * sigmas[i]) * c_skip + denoiser.x0 * c_out;
    if (sigmas[i + 1] > 0) expected = expected + reference.draw({3, 4, 5}) * sigmas[i + 1];
  }
  const at::Tensor out = run_sampler(sampler_by_name("lcm"), x, run);
  EXPECT_TRUE(at::allclose(out, expected, 1e-6, 1e-6));
  // At t = 0.05 the boundary condition is felt (c_skip = 0.5, c_out ≈ 0.71): not x̂0.
  EXPECT_GT((out - denoiser.x0).abs().max().item<double>(), 0.1);
}

TEST(Lcm, FewStepsOnTheOracleLandOnASetImage) {
  Fixture f;
  const auto sigmas = make_sigmas(f.schedule, 4, Spacing::Lcm);
  // diffusers' LCMScheduler for 4 steps: 999, 759, 499, 259.
  const std::vector<double> expected_t = {999, 759, 499, 259};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(f.schedule.t_at(sigmas[i]), expected_t[i], 1e-6);
  // The exact denoiser's x̂0 is a set image once σ is well below the images'
  // distances; 8 steps end at t = 139 (σ ≈ 0.48 here; 4 steps end at σ ≈ 1,
  // where an x_t between two images can still weigh both).
  for (int64_t seed = 0; seed < 10; ++seed) {
    const at::Tensor out = run(sampler_by_name("lcm"), f, 8, seed, nullptr);
    EXPECT_LT(support::rms_to_nearest(out, f.images).max().item<double>(), 1e-2) << "seed " << seed;
  }
}
