#include "core/schedule/noise_schedule.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/common/errors.h"

using diffscope::NoiseSchedule;

TEST(NoiseSchedule, ScaledLinearMatchesStableDiffusionSigmas) {
  const auto s = NoiseSchedule::scaled_linear();
  EXPECT_EQ(s.steps(), 1000);
  EXPECT_NEAR(s.sigma_max(), 14.6146, 1e-3);
  EXPECT_NEAR(s.sigma_min(), 0.0292, 1e-3);
  EXPECT_NEAR(s.beta(0), 0.00085, 1e-9);
  EXPECT_NEAR(s.beta(999), 0.012, 1e-9);
}

TEST(NoiseSchedule, LinearMatchesDdpm) {
  const auto s = NoiseSchedule::linear();
  EXPECT_NEAR(s.alpha_bar(999) / 4.04e-5, 1.0, 0.01);
  EXPECT_NEAR(s.beta(0), 1e-4, 1e-12);
  EXPECT_NEAR(s.beta(999), 0.02, 1e-12);
  EXPECT_NEAR(s.alpha_bar(0), 1.0 - 1e-4, 1e-12);
}

TEST(NoiseSchedule, CosineIsClippedAndDecreasing) {
  const auto s = NoiseSchedule::cosine();
  for (int t = 0; t < s.steps(); ++t) {
    EXPECT_LE(s.beta(t), 0.999 + 1e-12);
    if (t) {
      EXPECT_LT(s.alpha_bar(t), s.alpha_bar(t - 1));
    }
  }
  EXPECT_NEAR(s.beta(999), 0.999, 1e-9);  // the cap is reached at the end
  // ᾱ(t) = f(t)/f(0) with f(u) = cos²((u + s)/(1 + s)·π/2) before clipping.
  auto f = [](double u) { return std::pow(std::cos((u + 0.008) / 1.008 * M_PI / 2), 2); };
  EXPECT_NEAR(s.alpha_bar(499), f(500.0 / 1000) / f(0), 1e-9);
}

TEST(NoiseSchedule, SigmaSnrAndAlphaBarAgree) {
  const auto s = NoiseSchedule::scaled_linear();
  for (int t : {0, 10, 500, 999}) {
    const double ab = s.alpha_bar(t);
    EXPECT_NEAR(s.sigma(t), std::sqrt((1 - ab) / ab), 1e-12);
    EXPECT_NEAR(s.snr(t), ab / (1 - ab), 1e-9 * s.snr(t));
    EXPECT_NEAR(NoiseSchedule::alpha_bar_of_sigma(s.sigma(t)), ab, 1e-12);
  }
}

TEST(NoiseSchedule, FractionalTimestepsInterpolateLogSigma) {
  const auto s = NoiseSchedule::linear();
  EXPECT_DOUBLE_EQ(s.sigma_at(250.0), s.sigma(250));
  EXPECT_NEAR(s.sigma_at(250.5), std::sqrt(s.sigma(250) * s.sigma(251)), 1e-12);
  for (double t : {0.0, 0.25, 17.5, 500.0, 998.9, 999.0}) {
    EXPECT_NEAR(s.t_at(s.sigma_at(t)), t, 1e-9) << t;
  }
  EXPECT_DOUBLE_EQ(s.t_at(1e9), 999.0);  // clamped beyond σ_max
  EXPECT_DOUBLE_EQ(s.t_at(1e-9), 0.0);
}

TEST(NoiseSchedule, RejectsBadInput) {
  EXPECT_THROW(NoiseSchedule::by_name("quadratic"), diffscope::Error);
  EXPECT_THROW(NoiseSchedule::from_alphas_cumprod({0.9, 0.95, 0.5}, "bad"), diffscope::Error);
  EXPECT_THROW(NoiseSchedule::from_alphas_cumprod({0.9, 0.0}, "bad"), diffscope::Error);
  EXPECT_THROW(NoiseSchedule::linear().sigma(1000), diffscope::Error);
  const auto own = NoiseSchedule::from_alphas_cumprod({0.99, 0.5, 0.1}, "own");
  EXPECT_NEAR(own.sigma(2), 3.0, 1e-12);
}

// Lin et al.'s Algorithm 1 on √ᾱ, with A1111's / ComfyUI's finite last ᾱ.
TEST(NoiseSchedule, ZeroTerminalSnrRescalesRootAlphaBar) {
  const NoiseSchedule base = NoiseSchedule::scaled_linear();
  const NoiseSchedule zero = base.zero_terminal_snr();
  EXPECT_EQ(zero.name(), "scaled-linear-ztsnr");
  EXPECT_DOUBLE_EQ(zero.alpha_bar(0), base.alpha_bar(0));
  EXPECT_EQ(zero.alpha_bar(999), 4.8973451890853435e-08);
  EXPECT_NEAR(zero.sigma_max(), 4518.76, 0.01);
  const double first = std::sqrt(base.alpha_bar(0)), last = std::sqrt(base.alpha_bar(999));
  for (int t : {1, 250, 500, 998}) {
    const double root = (std::sqrt(base.alpha_bar(t)) - last) * first / (first - last);
    EXPECT_NEAR(zero.alpha_bar(t), root * root, 1e-15) << t;
    EXPECT_LT(zero.alpha_bar(t), base.alpha_bar(t)) << t;  // more noise at every step
  }
  for (const char* name : {"linear", "scaled-linear", "cosine"}) {
    const NoiseSchedule named = NoiseSchedule::by_name(std::string(name) + "-ztsnr");
    EXPECT_EQ(named.name(), std::string(name) + "-ztsnr");
    // DDPM's linear schedule is already below A1111's last ᾱ a step earlier.
    const double last = std::string(name) == "linear" ? named.alpha_bar(998) / 2 : 4.8973451890853435e-08;
    EXPECT_EQ(named.alpha_bar(999), last) << name;
  }
  EXPECT_THROW(NoiseSchedule::by_name("scaled-linear-ztsnr-ztsnr"), diffscope::Error);
  EXPECT_THROW(NoiseSchedule::by_name("-ztsnr"), diffscope::Error);
}
