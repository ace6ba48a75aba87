// When SDXL's refiner takes over (core/sampling/refiner_switch.h,
// switching_denoiser.h), checked against AUTOMATIC1111's apply_refiner.
#include "core/sampling/refiner_switch.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/schedule/noise_schedule.h"
#include "core/schedule/spacing.h"

using namespace diffscope;

namespace {

// x̂0 = a constant, t = the constant too: which denoiser answered is visible.
class ConstantDenoiser : public Denoiser {
 public:
  explicit ConstantDenoiser(double value) : value_(value) {}
  at::Tensor denoise(const at::Tensor& x, double) override { return at::full_like(x, value_); }
  double timestep(double) const override { return value_; }

 private:
  double value_;
};

double answer(SwitchingDenoiser& denoiser, double sigma) {
  return denoiser.denoise(at::zeros({1, 2}), sigma).max().item<double>();
}

// The step at which a rule first switches when each step makes `calls_per_step`
// model calls at σ_i (and, for a second call, at σ_{i+1}); -1: never.
int first_switching_call(const SwitchingDenoiser::Rule& rule, const std::vector<double>& sigmas, int calls_per_step) {
  int calls = 0;
  for (size_t i = 0; i + 1 < sigmas.size(); ++i) {
    for (int c = 0; c < calls_per_step; ++c, ++calls) {
      if (rule(sigmas[i + c], calls)) return calls;
    }
  }
  return -1;
}

}  // namespace

TEST(SwitchingDenoiser, HandsOverOnceAndNeverBack) {
  ConstantDenoiser base(1.0), refiner(2.0);
  std::vector<int> calls_seen;
  SwitchingDenoiser switching(base, refiner, [&](double sigma, int calls) {
    calls_seen.push_back(calls);
    return sigma <= 3.0;
  });
  EXPECT_EQ(answer(switching, 10.0), 1.0);
  EXPECT_EQ(switching.timestep(10.0), 1.0);
  EXPECT_FALSE(switching.switched());
  EXPECT_EQ(answer(switching, 3.0), 2.0);
  EXPECT_TRUE(switching.switched());
  EXPECT_EQ(switching.timestep(10.0), 2.0);
  // A later call at a higher σ (none of our samplers makes one) stays with the second.
  EXPECT_EQ(answer(switching, 10.0), 2.0);
  // The rule is asked only until it says yes, with the calls made before.
  EXPECT_EQ(calls_seen, (std::vector<int>{0, 1}));
}

TEST(RefinerSwitch, CompletedRatioIsA1111sFromTheNearestTimestep) {
  const NoiseSchedule schedule = NoiseSchedule::scaled_linear();
  EXPECT_EQ(completed_ratio_at(schedule, schedule.sigma(199)), 0.8f);
  EXPECT_EQ(completed_ratio_at(schedule, schedule.sigma(200)), 0.799f);
  EXPECT_EQ(completed_ratio_at(schedule, schedule.sigma_max()), 0.0f);
  EXPECT_EQ(completed_ratio_at(schedule, 0.0), 0.999f);
  EXPECT_EQ(completed_ratio_at(schedule, 1e9), 0.0f);
  // Nearest in σ, not in log σ: just below the midpoint of σ(199) and σ(200) is 199.
  const double mid = (schedule.sigma(199) + schedule.sigma(200)) / 2;
  EXPECT_EQ(completed_ratio_at(schedule, mid - 1e-9), 0.8f);
  EXPECT_EQ(completed_ratio_at(schedule, mid + 1e-9), 0.799f);
}

TEST(RefinerSwitch, ByNoiseLevelAKarrasRunSwitchesWhereA1111Does) {
  const NoiseSchedule schedule = NoiseSchedule::scaled_linear();
  // The first step with t ≤ 199, computed independently (numpy: k-diffusion's
  // get_sigmas_karras between the schedule's σ_min and σ_max, argmin over
  // float32 σ's): 20 steps → step 12 (the old "ceil(0.8 × steps)" said 16),
  // 10 → 6, 30 → 19.
  for (const auto& [steps, expected] : std::vector<std::pair<int, int>>{{20, 12}, {10, 6}, {30, 19}}) {
    const std::vector<double> sigmas = make_sigmas(schedule, steps, Spacing::Karras);
    const auto rule = refiner_switch_rule(schedule, 0.8, false, steps);
    EXPECT_EQ(first_switching_call(rule, sigmas, 1), expected) << steps << " steps";
  }
  // Uniform timesteps switch after the share of the steps: t = 999 … 0 in 20
  // steps, t ≤ 199 from step 16 on.
  const std::vector<double> uniform = make_sigmas(schedule, 20, Spacing::Linspace);
  EXPECT_EQ(first_switching_call(refiner_switch_rule(schedule, 0.8, false, 20), uniform, 1), 16);
  // Switching at 1: never (the last timestep's ratio is 0.999).
  EXPECT_EQ(first_switching_call(refiner_switch_rule(schedule, 1.0, false, 20), uniform, 1), -1);
  // Heun's corrector at σ_{i+1} can be the first refiner call.
  const std::vector<double> heun = make_sigmas(schedule, 10, Spacing::Karras);
  EXPECT_EQ(first_switching_call(refiner_switch_rule(schedule, 0.8, false, 20), heun, 2), 11);  // step 5's corrector
}

TEST(RefinerSwitch, BySamplingStepsCountsModelCalls) {
  const NoiseSchedule schedule = NoiseSchedule::scaled_linear();
  const std::vector<double> sigmas = make_sigmas(schedule, 4, Spacing::Karras);
  // Euler, 4 steps at 0.5: the first call of step 2.
  EXPECT_EQ(first_switching_call(refiner_switch_rule(schedule, 0.5, true, 4), sigmas, 1), 2);
  // Heun, 4 steps = 8 calls (A1111's total_steps: steps × 2 for second-order samplers):
  // at 0.5 call 4 (step 2's first), at 0.6 call 5 (step 2's corrector).
  EXPECT_EQ(first_switching_call(refiner_switch_rule(schedule, 0.5, true, 8), sigmas, 2), 4);
  EXPECT_EQ(first_switching_call(refiner_switch_rule(schedule, 0.6, true, 8), sigmas, 2), 5);
  EXPECT_EQ(first_switching_call(refiner_switch_rule(schedule, 1.0, true, 8), sigmas, 2), -1);
}
