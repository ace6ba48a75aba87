#include "core/models/oracle.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/data/emoji_set.h"
#include "core/sampling/network_denoiser.h"
#include "core/sampling/sampler.h"
#include "core/schedule/spacing.h"
#include "tests/support/test_support.h"

using namespace diffscope;

TEST(Oracle, IsTheSoftmaxWeightedMeanOfTheSet) {
  const auto schedule = NoiseSchedule::linear();
  const at::Tensor images = support::random_images(6, 3, 5, 5).to(at::kDouble);
  OracleNetwork oracle(images, schedule);
  constexpr int64_t kBatch = 19;  // more than one block of items (forward works 16 at a time)
  const at::Tensor x_t = at::randn({kBatch, 3, 5, 5}, at::kDouble);
  const double t = 300, ab = NoiseSchedule::alpha_bar_of_sigma(schedule.sigma_at(t));
  // Direct evaluation of w ∝ exp(−‖x_t − √ᾱ x⁽ⁱ⁾‖² / (2(1−ᾱ))).
  const at::Tensor d = (x_t.reshape({kBatch, 1, -1}) - images.reshape({1, 6, -1}) * std::sqrt(ab)).pow(2).sum(2);
  const at::Tensor w = at::softmax(-d / (2 * (1 - ab)), 1);
  const at::Tensor context = oracle.unconditional().expand({kBatch, 6});
  EXPECT_TRUE(at::allclose(oracle.weights(x_t, t, context), w, 1e-8, 1e-10));
  const at::Tensor expected = at::mm(w, images.reshape({6, -1})).reshape({kBatch, 3, 5, 5});
  EXPECT_TRUE(at::allclose(oracle.forward(x_t, t, context, {}), expected, 1e-8, 1e-8));
}

TEST(Oracle, ForwardHonoursCancelAndChecksTheConditioning) {
  const auto schedule = NoiseSchedule::linear();
  OracleNetwork oracle(support::random_images(4, 1, 3, 3), schedule);
  CancelToken cancel;
  cancel.cancel();
  EXPECT_THROW(oracle.forward(at::randn({5, 1, 3, 3}), 10, oracle.unconditional().expand({5, 4}), cancel), Cancelled);
  EXPECT_THROW(oracle.forward(at::randn({5, 1, 3, 3}), 10, oracle.unconditional(), {}), Error);
}

TEST(Oracle, RestrictionOnlyMixesAllowedImages) {
  const auto schedule = NoiseSchedule::linear();
  const at::Tensor images = support::random_images(4, 1, 3, 3);
  OracleNetwork oracle(images, schedule);
  const at::Tensor out = oracle.forward(at::randn({1, 1, 3, 3}), 999, oracle.restricted_to({2}), {});
  EXPECT_TRUE(at::allclose(out[0], images[2], 1e-5, 1e-5));
  EXPECT_THROW(oracle.restricted_to({}), Error);
  EXPECT_THROW(oracle.forward(at::randn({1, 1, 3, 4}), 10, oracle.unconditional(), {}), Error);
}

// A prompt that allows few images is computed over those alone (and over all
// when more than half are allowed): weights and x̂0 are the same as the
// direct evaluation, per batch row with its own allowed images.
TEST(Oracle, RestrictedConditioningMatchesTheDirectEvaluation) {
  const auto schedule = NoiseSchedule::linear();
  const at::Tensor images = support::random_images(8, 3, 4, 4).to(at::kDouble);
  OracleNetwork oracle(images, schedule);
  const double t = 500, ab = NoiseSchedule::alpha_bar_of_sigma(schedule.sigma_at(t));
  const double inf = std::numeric_limits<double>::infinity();
  const at::Tensor x_t = at::randn({3, 3, 4, 4}, at::kDouble);
  const at::Tensor d = (x_t.reshape({3, 1, -1}) - images.reshape({1, 8, -1}) * std::sqrt(ab)).pow(2).sum(2);
  for (const std::vector<std::vector<int64_t>>& rows : std::vector<std::vector<std::vector<int64_t>>>{
           {{2}, {2}, {2}},                 // one image for every row
           {{1, 5}, {5}, {0, 1}},           // each row its own: computed over their union {0, 1, 5}
           {{0, 1, 2, 3, 4}, {3}, {6, 7}},  // the union is all 8: the full computation
       }) {
    at::Tensor prior = at::full({3, 8}, -inf, at::kDouble);
    for (size_t row = 0; row < rows.size(); ++row) {
      for (int64_t i : rows[row]) prior[int64_t(row)][i] = 0.0;
    }
    const at::Tensor w = at::softmax(-d / (2 * (1 - ab)) + prior, 1);
    const at::Tensor weights = oracle.weights(x_t, t, prior);
    EXPECT_TRUE(at::allclose(weights, w, 1e-9, 1e-12)) << rows[1].size();
    EXPECT_EQ(at::count_nonzero(weights).item<int64_t>(), at::count_nonzero(w).item<int64_t>());
    const at::Tensor expected = at::mm(w, images.reshape({8, -1})).reshape({3, 3, 4, 4});
    EXPECT_TRUE(at::allclose(oracle.forward(x_t, t, prior, {}), expected, 1e-9, 1e-9));
  }
  // Nothing allowed is an error, not NaN.
  EXPECT_THROW(oracle.forward(x_t, t, at::full({3, 8}, -inf, at::kDouble), {}), Error);
}

TEST(Oracle, DdpmBetaTildeOverSkippedStepsEqualsDdimEtaOne) {
  const auto schedule = NoiseSchedule::linear();
  OracleNetwork oracle(support::random_images(8, 3, 6, 6), schedule);
  NetworkDenoiser denoiser(oracle, schedule, Guidance{oracle.unconditional(), {}, 1.0});
  const auto sigmas = make_sigmas(schedule, 50, Spacing::Trailing);
  auto sample = [&](const char* name, double eta) {
    NoiseSource noise(9, 2);
    SampleRun run{denoiser, sigmas, &noise, nullptr, {}, {}};
    run.options.eta = eta;
    run.options.ddpm_variance = DdpmVariance::BetaTilde;
    return run_sampler(sampler_by_name(name), noise.draw({3, 6, 6}) * sigmas.front(), run);
  };
  const at::Tensor ddpm = sample("ddpm", 0.0), ddim = sample("ddim", 1.0);
  EXPECT_LT((ddpm - ddim).abs().max().item<double>(), 1e-4);
}

// The claim of the DDPM paper in its exact form: with the ideal denoiser,
// 1000 ancestral steps end on a training image (seeds 0–9 as one batch: image
// i uses seed i).
TEST(Oracle, ThousandDdpmStepsLandOnAnEmoji) {
  const ImageSet set = load_default_image_set();
  const at::Tensor images = images_to_model_range(set.images);
  const auto schedule = NoiseSchedule::linear();
  OracleNetwork oracle(images, schedule);
  NetworkDenoiser denoiser(oracle, schedule, Guidance{oracle.unconditional(), {}, 1.0});
  NoiseSource noise(0, 10);
  SampleRun run{denoiser, make_sigmas(schedule, 1000, Spacing::Trailing), &noise, nullptr, {}, {}};
  run.options.ddpm_variance = DdpmVariance::BetaTilde;
  const at::Tensor out = run_sampler(sampler_by_name("ddpm"), noise.draw({3, 64, 64}) * run.sigmas.front(), run);
  const at::Tensor rms = support::rms_to_nearest(out, images);
  for (int i = 0; i < 10; ++i) EXPECT_LT(rms[i].item<double>(), 1e-2) << "seed " << i;
}
