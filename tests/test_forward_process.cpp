#include "core/schedule/forward_process.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/sampling/noise_source.h"

using namespace diffscope;

// Over many draws, x_t has mean √ᾱ·x_0 and variance 1 − ᾱ per pixel.
TEST(ForwardProcess, MeanAndVarianceMatchQ) {
  const auto schedule = NoiseSchedule::linear();
  const int draws = 20000;
  const at::Tensor x0 = at::linspace(-1, 1, 12).reshape({1, 3, 2, 2});
  NoiseSource noise(7, draws);
  const at::Tensor eps = noise.draw({3, 2, 2}).to(at::kDouble);
  for (int t : {0, 100, 500, 999}) {
    const double ab = schedule.alpha_bar(t);
    const at::Tensor x_t = forward_diffuse_at(schedule, x0.to(at::kDouble).expand({draws, 3, 2, 2}), eps, t);
    const at::Tensor mean = x_t.mean(0), var = x_t.var(0);
    const double mean_tol = 5 * std::sqrt((1 - ab) / draws);
    const double var_tol = 5 * (1 - ab) * std::sqrt(2.0 / draws);
    EXPECT_LT((mean - x0[0].to(at::kDouble) * std::sqrt(ab)).abs().max().item<double>(), mean_tol) << t;
    EXPECT_LT((var - (1 - ab)).abs().max().item<double>(), var_tol) << t;
  }
}

TEST(ForwardProcess, RejectsMismatchedShapes) {
  EXPECT_THROW(forward_diffuse(at::zeros({1, 3, 4, 4}), at::zeros({1, 3, 4, 5}), 0.5), Error);
  EXPECT_THROW(forward_diffuse(at::zeros({2}), at::zeros({2}), 1.5), Error);
}

// One ᾱ per item gives each item what forward_diffuse gives it alone.
TEST(ForwardProcess, BatchWithOneAlphaBarPerItem) {
  const at::Tensor x0 = at::randn({3, 4, 2, 2}, at::kDouble), eps = at::randn({3, 4, 2, 2}, at::kDouble);
  const std::vector<double> alpha_bars{0.9, 0.5, 0.01};
  const at::Tensor batch = forward_diffuse_batch(x0, eps, at::tensor(alpha_bars, at::kDouble));
  for (int64_t i = 0; i < 3; ++i) {
    const at::Tensor alone = forward_diffuse(x0[i], eps[i], alpha_bars[static_cast<size_t>(i)]);
    EXPECT_TRUE(at::allclose(batch[i], alone, 1e-12, 1e-12)) << i;
  }
  EXPECT_THROW(forward_diffuse_batch(x0, eps, at::ones({2}, at::kDouble)), Error);
  EXPECT_THROW(forward_diffuse_batch(x0, eps.slice(3, 0, 1), at::ones({3}, at::kDouble)), Error);
}
