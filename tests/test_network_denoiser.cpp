#include "core/sampling/network_denoiser.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/common/errors.h"

using namespace diffscope;

namespace {

// A perfect network: it knows the clean sample (its context) and answers with
// the exact ε, v or x_0 for the x_t it sees.
class PerfectNetwork : public Network {
 public:
  PerfectNetwork(Prediction p, const NoiseSchedule& s) : prediction_(p), schedule_(s) {}
  Prediction prediction() const override { return prediction_; }
  at::Tensor forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken&) override {
    batches.push_back(x_t.size(0));
    const double ab = NoiseSchedule::alpha_bar_of_sigma(schedule_.sigma_at(t));
    const at::Tensor x0 = context.expand_as(x_t);
    const at::Tensor eps = (x_t - x0 * std::sqrt(ab)) / std::sqrt(1 - ab);
    switch (prediction_) {
      case Prediction::Epsilon: return eps;
      case Prediction::V: return eps * std::sqrt(ab) - x0 * std::sqrt(1 - ab);
      case Prediction::Sample: return x0;
    }
    return {};
  }
  std::vector<int64_t> batches;

 private:
  Prediction prediction_;
  const NoiseSchedule& schedule_;
};

}  // namespace

class PredictionTypes : public ::testing::TestWithParam<Prediction> {};

TEST_P(PredictionTypes, RecoversTheCleanSample) {
  const auto schedule = NoiseSchedule::scaled_linear();
  PerfectNetwork network(GetParam(), schedule);
  const at::Tensor x0 = at::linspace(-1, 1, 2 * 3 * 4 * 5, at::kDouble).reshape({2, 3, 4, 5});
  NetworkDenoiser denoiser(network, schedule, Guidance{x0, {}, 1.0});
  for (int t : {0, 37, 500, 999}) {
    const double sigma = schedule.sigma(t);
    const at::Tensor x = x0 + at::randn_like(x0) * sigma;  // σ-form
    EXPECT_TRUE(at::allclose(denoiser.denoise(x, sigma), x0, 1e-9, 1e-9)) << prediction_name(GetParam()) << t;
    EXPECT_NEAR(denoiser.timestep(sigma), t, 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(All, PredictionTypes,
                         ::testing::Values(Prediction::Epsilon, Prediction::V, Prediction::Sample));

TEST(NetworkDenoiser, GuidanceBatchesCondAndUncondInOneCall) {
  const auto schedule = NoiseSchedule::linear();
  PerfectNetwork network(Prediction::Epsilon, schedule);
  const at::Tensor cond = at::full({1, 1, 2, 2}, 0.5, at::kDouble);
  const at::Tensor uncond = at::full({1, 1, 2, 2}, -0.25, at::kDouble);
  NetworkDenoiser guided(network, schedule, Guidance{cond, uncond, 3.0});
  const at::Tensor x = at::randn({3, 1, 2, 2}, at::kDouble);
  const at::Tensor out = guided.denoise(x, 2.0);
  ASSERT_EQ(network.batches, (std::vector<int64_t>{6}));  // one call, batch 2B
  // uncond + 3·(cond − uncond) = −0.25 + 3·0.75
  EXPECT_TRUE(at::allclose(out, at::full({3, 1, 2, 2}, 2.0, at::kDouble), 1e-9, 1e-9));

  network.batches.clear();
  NetworkDenoiser plain(network, schedule, Guidance{cond, uncond, 1.0});
  EXPECT_TRUE(at::allclose(plain.denoise(x, 2.0), cond.expand({3, 1, 2, 2}), 1e-9, 1e-9));
  EXPECT_EQ(network.batches, (std::vector<int64_t>{3}));  // scale 1: no uncond pass
}

TEST(NetworkDenoiser, RejectsMismatchedConditioningBatch) {
  const auto schedule = NoiseSchedule::linear();
  PerfectNetwork network(Prediction::Sample, schedule);
  NetworkDenoiser denoiser(network, schedule, Guidance{at::zeros({2, 1, 2, 2}), {}, 1.0});
  EXPECT_THROW(denoiser.denoise(at::zeros({3, 1, 2, 2}), 1.0), Error);
  EXPECT_THROW({ NetworkDenoiser bad(network, schedule, Guidance{}); }, Error);
}
