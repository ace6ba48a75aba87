#include "core/schedule/spacing.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/common/errors.h"

using namespace diffscope;

TEST(Spacing, LeadingTrailingLinspaceTimesteps) {
  const auto s = NoiseSchedule::linear();
  EXPECT_EQ(spaced_timesteps(s, 10, Spacing::Leading),
            (std::vector<double>{900, 800, 700, 600, 500, 400, 300, 200, 100, 0}));
  EXPECT_EQ(spaced_timesteps(s, 10, Spacing::Leading, 1),
            (std::vector<double>{901, 801, 701, 601, 501, 401, 301, 201, 101, 1}));
  EXPECT_EQ(spaced_timesteps(s, 10, Spacing::Trailing),
            (std::vector<double>{999, 899, 799, 699, 599, 499, 399, 299, 199, 99}));
  const auto linspace = spaced_timesteps(s, 4, Spacing::Linspace);
  const double expected[] = {999, 666, 333, 0};
  ASSERT_EQ(linspace.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(linspace[i], expected[i], 1e-9);
  EXPECT_EQ(spaced_timesteps(s, 1, Spacing::Linspace), (std::vector<double>{999}));
  const auto all = spaced_timesteps(s, 1000, Spacing::Trailing);
  EXPECT_EQ(all.front(), 999);
  EXPECT_EQ(all.back(), 0);
}

namespace {

// A σ spacing's n + 1 levels: σ_max first, σ_min last before the final 0.
void expect_ends(const std::vector<double>& sigmas, size_t steps, double sigma_max, double sigma_min,
                 double min_tolerance) {
  ASSERT_EQ(sigmas.size(), steps + 1);
  EXPECT_NEAR(sigmas.front(), sigma_max, 1e-9);
  EXPECT_NEAR(sigmas[steps - 1], sigma_min, min_tolerance);
  EXPECT_EQ(sigmas.back(), 0.0);
}

}  // namespace

TEST(Spacing, KarrasEndpointsAndShape) {
  const auto sigmas = karras_sigmas(10, 0.0292, 14.6146);
  ASSERT_NO_FATAL_FAILURE(expect_ends(sigmas, 10, 14.6146, 0.0292, 1e-9));
  for (size_t i = 1; i < sigmas.size(); ++i) EXPECT_LT(sigmas[i], sigmas[i - 1]);
  // ρ = 7: the midpoint in σ^(1/7) space.
  const auto three = karras_sigmas(3, 0.1, 10.0);
  EXPECT_NEAR(three[1], std::pow((std::pow(10.0, 1 / 7.0) + std::pow(0.1, 1 / 7.0)) / 2, 7.0), 1e-12);
}

TEST(Spacing, MakeSigmasEndsAtZero) {
  const auto s = NoiseSchedule::scaled_linear();
  for (const auto& name : spacing_names()) {
    const auto sigmas = make_sigmas(s, 7, spacing_by_name(name));
    ASSERT_EQ(sigmas.size(), 8u) << name;
    EXPECT_EQ(sigmas.back(), 0.0) << name;
    for (size_t i = 1; i + 1 < sigmas.size(); ++i) EXPECT_LT(sigmas[i], sigmas[i - 1]) << name;
  }
  const auto linspace = make_sigmas(s, 4, Spacing::Linspace);
  EXPECT_NEAR(linspace[0], s.sigma_max(), 1e-12);
  EXPECT_NEAR(linspace[3], s.sigma_min(), 1e-12);
  EXPECT_NEAR(linspace[1], s.sigma_at(666.0), 1e-12);
}

// A1111's and ComfyUI's "simple": 999 − int(i·(1000/n)), e.g. for n = 7
// (Python): 999, 857, 714, 571, 428, 285, 142 — trailing rounds to 856, 713, 570.
TEST(Spacing, SimpleTimestepsTruncateTheFloatingRatio) {
  const auto s = NoiseSchedule::scaled_linear();
  EXPECT_EQ(spaced_timesteps(s, 7, Spacing::Simple), (std::vector<double>{999, 857, 714, 571, 428, 285, 142}));
  EXPECT_EQ(spaced_timesteps(s, 7, Spacing::Trailing), (std::vector<double>{999, 856, 713, 570, 428, 285, 142}));
  for (int steps : {1, 4, 10, 20, 25, 50}) {  // n divides 1000: the same as trailing
    EXPECT_EQ(spaced_timesteps(s, steps, Spacing::Simple), spaced_timesteps(s, steps, Spacing::Trailing)) << steps;
  }
  EXPECT_EQ(spaced_timesteps(s, 1000, Spacing::Simple).back(), 0.0);
}

TEST(Spacing, SgmUniformAndBetaTimesteps) {
  const auto s = NoiseSchedule::scaled_linear();
  const auto sgm = spaced_timesteps(s, 4, Spacing::SgmUniform);
  const double sgm_expected[] = {999, 749.25, 499.5, 249.75};  // 5 points from 999 to 0, the last left out
  ASSERT_EQ(sgm.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(sgm[i], sgm_expected[i], 1e-9);
  // Beta(0.6, 0.6) quantiles of 1, 0.9, 0.8, …, 0.1 (mpmath: Q(0.9) = 0.9604155944, Q(0.8) = 0.8770782495).
  const auto beta = spaced_timesteps(s, 10, Spacing::Beta);
  ASSERT_EQ(beta.size(), 10u);
  EXPECT_NEAR(beta[0], 999, 1e-9);
  EXPECT_NEAR(beta[1], 999 * 0.960415594411219166, 1e-9);
  EXPECT_NEAR(beta[2], 999 * 0.877078249541667133, 1e-9);
  EXPECT_NEAR(beta[5], 999 * 0.5, 1e-9);
  EXPECT_NEAR(beta[9], 999 * (1 - 0.960415594411219166), 1e-9);
  // U-shaped: dense at both ends, sparse in the middle.
  EXPECT_LT(beta[0] - beta[1], beta[4] - beta[5]);
  EXPECT_LT(beta[8] - beta[9], beta[4] - beta[5]);
  const auto sigmas = make_sigmas(s, 10, Spacing::Beta);
  EXPECT_NEAR(sigmas[1], s.sigma_at(beta[1]), 1e-12);
}

TEST(Spacing, KlOptimalIsUniformInArctan) {
  const auto sigmas = kl_optimal_sigmas(5, 0.0292, 14.6146);
  ASSERT_NO_FATAL_FAILURE(expect_ends(sigmas, 5, 14.6146, 0.0292, 1e-12));
  for (int i = 1; i < 4; ++i) {
    EXPECT_NEAR(std::atan(sigmas[i]) - std::atan(sigmas[i + 1]), std::atan(sigmas[i - 1]) - std::atan(sigmas[i]),
                1e-12);
  }
  const auto one = kl_optimal_sigmas(1, 0.1, 10.0);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_NEAR(one[0], 10.0, 1e-12);
  EXPECT_EQ(one[1], 0.0);
}

TEST(Spacing, A1111LabelsGoBothWays) {
  for (const auto& name : spacing_names()) {
    const Spacing spacing = spacing_by_name(name);
    EXPECT_EQ(spacing_by_label(spacing_label(spacing)), spacing) << name;
  }
  EXPECT_EQ(spacing_label(Spacing::Linspace), "Uniform");
  EXPECT_EQ(spacing_by_label("SGM Uniform"), Spacing::SgmUniform);
  EXPECT_EQ(spacing_by_label("KL Optimal"), Spacing::KlOptimal);
  EXPECT_EQ(spacing_by_label("Beta"), Spacing::Beta);
  EXPECT_FALSE(spacing_by_label("Automatic").has_value());
}

TEST(Spacing, RejectsBadRequests) {
  const auto s = NoiseSchedule::linear();
  EXPECT_THROW(spaced_timesteps(s, 0, Spacing::Trailing), Error);
  EXPECT_THROW(spaced_timesteps(s, 1001, Spacing::Leading), Error);
  EXPECT_THROW(spaced_timesteps(s, 10, Spacing::Karras), Error);
  EXPECT_THROW(spacing_by_name("uniformish"), Error);
  EXPECT_EQ(spacing_name(spacing_by_name("karras")), "karras");
}
