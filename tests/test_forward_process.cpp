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
