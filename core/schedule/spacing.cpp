#include "core/schedule/spacing.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/common/errors.h"
#include "core/schedule/beta_quantile.h"
#include "core/schedule/step_count.h"

namespace diffscope {
namespace {

struct SpacingName {
  Spacing spacing;
  const char* name;   // ours (ComfyUI's where it has one)
  const char* label;  // A1111's "Schedule type" (ours where it has none)
};

const SpacingName kSpacingNames[] = {
    {Spacing::Leading, "leading", "Leading"},
    {Spacing::Trailing, "trailing", "Trailing"},
    {Spacing::Linspace, "linspace", "Uniform"},
    {Spacing::Karras, "karras", "Karras"},
    {Spacing::Exponential, "exponential", "Exponential"},
    {Spacing::Lcm, "lcm", "LCM"},
    {Spacing::SgmUniform, "sgm_uniform", "SGM Uniform"},
    {Spacing::Beta, "beta", "Beta"},
    {Spacing::KlOptimal, "kl_optimal", "KL Optimal"},
    {Spacing::AlignYourSteps, "align_your_steps", "Align Your Steps"},
    {Spacing::Simple, "simple", "Simple"},
};

// A1111 labels that name one of the lists above under another name, read from
// PNGs: its "Normal" is linspace over the timesteps of σ_max and σ_min (its
// "Uniform"), "Polyexponential" at its default ρ = 1 is log-uniform, and
// "SGMUniform" is an older spelling.
const std::pair<const char*, Spacing> kLabelAliases[] = {
    {"Normal", Spacing::Linspace},
    {"Polyexponential", Spacing::Exponential},
    {"SGMUniform", Spacing::SgmUniform},
};

// The Beta scheduler's shape (Lee et al. 2024's and ComfyUI's default).
constexpr double kBetaShape = 0.6;

}  // namespace

Spacing spacing_by_name(const std::string& name) {
  std::string choices;
  for (const auto& entry : kSpacingNames) {
    if (name == entry.name) return entry.spacing;
    choices += (choices.empty() ? "" : ", ") + std::string(entry.name);
  }
  throw Error("unknown spacing '" + name + "' (use one of: " + choices + ")");
}

std::string spacing_name(Spacing spacing) {
  for (const auto& entry : kSpacingNames) {
    if (entry.spacing == spacing) return entry.name;
  }
  return "unknown";
}

std::vector<std::string> spacing_names() {
  std::vector<std::string> names;
  for (const auto& entry : kSpacingNames) names.emplace_back(entry.name);
  return names;
}

std::string spacing_label(Spacing spacing) {
  for (const auto& entry : kSpacingNames) {
    if (entry.spacing == spacing) return entry.label;
  }
  return "unknown";
}

std::optional<Spacing> spacing_by_label(const std::string& label) {
  for (const auto& entry : kSpacingNames) {
    if (label == entry.label) return entry.spacing;
  }
  for (const auto& [alias, spacing] : kLabelAliases) {
    if (label == alias) return spacing;
  }
  return std::nullopt;
}

std::vector<double> spaced_timesteps(const NoiseSchedule& schedule, int steps, Spacing spacing, int offset) {
  const int T = schedule.steps();
  check_step_count(steps, T);
  std::vector<double> t(steps);
  switch (spacing) {
    case Spacing::Leading: {
      const int ratio = T / steps;
      if (offset < 0 || (steps - 1) * ratio + offset > T - 1) {
        throw Error("steps_offset " + std::to_string(offset) + " puts a timestep past " + std::to_string(T - 1));
      }
      for (int i = 0; i < steps; ++i) t[i] = (steps - 1 - i) * ratio + offset;
      break;
    }
    case Spacing::Trailing: {
      const double ratio = static_cast<double>(T) / steps;
      for (int i = 0; i < steps; ++i) t[i] = std::round(T - i * ratio) - 1.0;
      break;
    }
    case Spacing::Linspace:
      for (int i = 0; i < steps; ++i) {
        t[i] = steps == 1 ? T - 1.0 : (T - 1.0) * (1.0 - static_cast<double>(i) / (steps - 1));
      }
      break;
    case Spacing::Simple: {
      // t_i = T − 1 − ⌊i·(T/n)⌋ with the ratio in floating point, as A1111
      // and ComfyUI compute it (so their timesteps, not trailing's rounding).
      const double ratio = static_cast<double>(T) / steps;
      for (int i = 0; i < steps; ++i) t[i] = T - 1.0 - std::floor(i * ratio);
      break;
    }
    case Spacing::SgmUniform:
      for (int i = 0; i < steps; ++i) t[i] = (T - 1.0) * (1.0 - static_cast<double>(i) / steps);
      break;
    case Spacing::Beta:
      for (int i = 0; i < steps; ++i) {
        t[i] = (T - 1.0) * beta_quantile(1.0 - static_cast<double>(i) / steps, kBetaShape, kBetaShape);
      }
      break;
    case Spacing::Lcm: {
      const int origin_steps = std::max(50, steps);
      const int k = T / origin_steps;
      if (k < 1) throw Error("LCM spacing needs at least " + std::to_string(origin_steps) + " schedule steps");
      // origin[j] = k·(origin_steps − j) − 1, descending; indices ⌊j·origin_steps/steps⌋.
      for (int i = 0; i < steps; ++i) {
        const int j = static_cast<int>(std::floor(static_cast<double>(i) * origin_steps / steps));
        t[i] = static_cast<double>(k) * (origin_steps - j) - 1.0;
      }
      break;
    }
    default: throw Error("spacing '" + spacing_name(spacing) + "' chooses noise levels, not timesteps");
  }
  return t;
}

std::vector<double> karras_sigmas(int steps, double sigma_min, double sigma_max, double rho) {
  check_step_count(steps);
  const double max_inv = std::pow(sigma_max, 1.0 / rho), min_inv = std::pow(sigma_min, 1.0 / rho);
  std::vector<double> sigmas(steps + 1, 0.0);
  for (int i = 0; i < steps; ++i) {
    const double ramp = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
    sigmas[i] = std::pow(max_inv + ramp * (min_inv - max_inv), rho);
  }
  return sigmas;
}

std::vector<double> exponential_sigmas(int steps, double sigma_min, double sigma_max) {
  check_step_count(steps);
  std::vector<double> sigmas(steps + 1, 0.0);
  for (int i = 0; i < steps; ++i) {
    const double ramp = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
    sigmas[i] = std::exp(std::log(sigma_max) + ramp * (std::log(sigma_min) - std::log(sigma_max)));
  }
  return sigmas;
}

std::vector<double> kl_optimal_sigmas(int steps, double sigma_min, double sigma_max) {
  check_step_count(steps);
  std::vector<double> sigmas(steps + 1, 0.0);
  for (int i = 0; i < steps; ++i) {
    const double ramp = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
    sigmas[i] = std::tan((1.0 - ramp) * std::atan(sigma_max) + ramp * std::atan(sigma_min));
  }
  return sigmas;
}

std::vector<double> make_sigmas(const NoiseSchedule& schedule, int steps, Spacing spacing, int offset,
                                AlignYourStepsList ays) {
  if (spacing == Spacing::AlignYourSteps) return align_your_steps_sigmas(steps, ays, schedule);
  if (spacing == Spacing::Karras) return karras_sigmas(steps, schedule.sigma_min(), schedule.sigma_max());
  if (spacing == Spacing::Exponential) {
    return exponential_sigmas(steps, schedule.sigma_min(), schedule.sigma_max());
  }
  if (spacing == Spacing::KlOptimal) return kl_optimal_sigmas(steps, schedule.sigma_min(), schedule.sigma_max());
  std::vector<double> sigmas;
  for (double t : spaced_timesteps(schedule, steps, spacing, offset)) sigmas.push_back(schedule.sigma_at(t));
  sigmas.push_back(0.0);
  return sigmas;
}

}  // namespace diffscope
