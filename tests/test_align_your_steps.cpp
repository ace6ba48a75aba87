// Align Your Steps: NVIDIA's published levels at 10 steps, their log-linear
// interpolation at other counts (numbers from numpy's np.interp, as NVIDIA's
// how-to and ComfyUI compute it), and the schedules it refuses.
#include "core/schedule/align_your_steps.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/common/errors.h"
#include "core/schedule/spacing.h"

using namespace diffscope;

namespace {

const NoiseSchedule& sd_schedule() {
  static const NoiseSchedule schedule = NoiseSchedule::scaled_linear();
  return schedule;
}

void expect_levels(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << "level " << i;
}

}  // namespace

TEST(AlignYourSteps, TenStepsAreNvidiasLevelsEndingAtZero) {
  for (AlignYourStepsList list : {AlignYourStepsList::Sd15, AlignYourStepsList::Sdxl}) {
    std::vector<double> expected = align_your_steps_levels(list);
    ASSERT_EQ(expected.size(), 11u);
    expected.back() = 0.0;  // NVIDIA's σ_min is SD's t = 0: the clean end
    expect_levels(align_your_steps_sigmas(10, list, sd_schedule()), expected, 1e-12);
  }
  // The two lists share their ends and differ between them.
  EXPECT_EQ(align_your_steps_levels(AlignYourStepsList::Sd15).front(), 14.6146412293);
  EXPECT_EQ(align_your_steps_levels(AlignYourStepsList::Sdxl)[3], 2.1811480769);
  EXPECT_EQ(align_your_steps_levels(AlignYourStepsList::Sd15)[3], 2.6946151520);
}

TEST(AlignYourSteps, OtherCountsInterpolateLogSigmaByPosition) {
  // 7 steps: np.interp over 8 points of linspace(0, 1), in log σ.
  expect_levels(align_your_steps_sigmas(7, AlignYourStepsList::Sd15, sd_schedule()),
                {14.6146412293, 5.189446010101512, 2.8369679700088386, 1.7288996588663745, 1.0714240518081375,
                 0.6078477543163822, 0.22914204814219852, 0.0},
                1e-12);
  expect_levels(align_your_steps_sigmas(7, AlignYourStepsList::Sdxl, sd_schedule()),
                {14.6146412293, 5.062968193663253, 2.358338069865334, 1.1816651391410284, 0.6294696041973176,
                 0.354288229052006, 0.15291865296359017, 0.0},
                1e-12);
  // 20 steps: every other level is a published one, the rest their geometric means.
  const std::vector<double>& levels = align_your_steps_levels(AlignYourStepsList::Sd15);
  const auto twenty = align_your_steps_sigmas(20, AlignYourStepsList::Sd15, sd_schedule());
  ASSERT_EQ(twenty.size(), 21u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_NEAR(twenty[2 * i], levels[i], 1e-12);
    EXPECT_NEAR(twenty[2 * i + 1], std::sqrt(levels[i] * levels[i + 1]), 1e-12);
  }
  EXPECT_EQ(twenty.back(), 0.0);
  // One step goes from σ_max to 0; 5 steps visit every second level.
  expect_levels(align_your_steps_sigmas(1, AlignYourStepsList::Sdxl, sd_schedule()), {14.6146412293, 0.0}, 1e-12);
  const auto five = align_your_steps_sigmas(5, AlignYourStepsList::Sdxl, sd_schedule());
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(five[i], align_your_steps_levels(AlignYourStepsList::Sdxl)[2 * i], 1e-12);
}

TEST(AlignYourSteps, DescendsAtEveryCount) {
  for (int steps : {2, 3, 9, 11, 13, 33, 150, 1000}) {
    const auto sigmas = align_your_steps_sigmas(steps, AlignYourStepsList::Sd15, sd_schedule());
    ASSERT_EQ(sigmas.size(), size_t(steps) + 1);
    for (size_t i = 1; i < sigmas.size(); ++i) EXPECT_LT(sigmas[i], sigmas[i - 1]) << steps << " steps, level " << i;
    EXPECT_GT(sigmas[steps - 1], align_your_steps_levels(AlignYourStepsList::Sd15).back()) << steps;
  }
}

TEST(AlignYourSteps, IsASpacingByNameAndLabel) {
  EXPECT_EQ(spacing_by_name("align_your_steps"), Spacing::AlignYourSteps);
  EXPECT_EQ(spacing_by_label("Align Your Steps"), Spacing::AlignYourSteps);
  EXPECT_EQ(make_sigmas(sd_schedule(), 10, Spacing::AlignYourSteps, 0, AlignYourStepsList::Sdxl),
            align_your_steps_sigmas(10, AlignYourStepsList::Sdxl, sd_schedule()));
  // SD 1.5's list unless told otherwise, as A1111 does for every model but SDXL.
  EXPECT_EQ(make_sigmas(sd_schedule(), 10, Spacing::AlignYourSteps),
            align_your_steps_sigmas(10, AlignYourStepsList::Sd15, sd_schedule()));
  EXPECT_THROW(spaced_timesteps(sd_schedule(), 10, Spacing::AlignYourSteps), Error);
}

TEST(AlignYourSteps, RefusesSchedulesTheListsDoNotFitAndBadCounts) {
  // The oracle's DDPM schedule reaches σ ≈ 157: NVIDIA's levels do not span it.
  try {
    align_your_steps_sigmas(10, AlignYourStepsList::Sd15, NoiseSchedule::linear());
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("Align Your Steps"), std::string::npos) << what;
    EXPECT_NE(what.find("linear"), std::string::npos) << what;
  }
  EXPECT_THROW(align_your_steps_sigmas(10, AlignYourStepsList::Sdxl, NoiseSchedule::cosine()), Error);
  EXPECT_THROW(align_your_steps_sigmas(0, AlignYourStepsList::Sd15, sd_schedule()), Error);
  EXPECT_THROW(align_your_steps_sigmas(100001, AlignYourStepsList::Sd15, sd_schedule()), Error);
}
