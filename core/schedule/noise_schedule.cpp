#include "core/schedule/noise_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/common/errors.h"

namespace diffscope {
namespace {

std::vector<double> cumprod_of_betas(const std::vector<double>& betas) {
  std::vector<double> alphas_cumprod(betas.size());
  double product = 1.0;
  for (size_t i = 0; i < betas.size(); ++i) {
    product *= 1.0 - betas[i];
    alphas_cumprod[i] = product;
  }
  return alphas_cumprod;
}

void check_steps(int steps) {
  if (steps < 2 || steps > 100000) {
    throw Error("a noise schedule needs between 2 and 100000 timesteps, got " + std::to_string(steps));
  }
}

}  // namespace

NoiseSchedule::NoiseSchedule(std::string name, std::vector<double> alphas_cumprod)
    : name_(std::move(name)), alphas_cumprod_(std::move(alphas_cumprod)) {
  check_steps(static_cast<int>(alphas_cumprod_.size()));
  double previous = 1.0;
  for (size_t t = 0; t < alphas_cumprod_.size(); ++t) {
    const double a = alphas_cumprod_[t];
    if (!(a > 0.0 && a < previous)) {
      throw Error("schedule '" + name_ + "': alphas_cumprod must decrease strictly inside (0, 1); entry " +
                  std::to_string(t) + " is " + std::to_string(a));
    }
    previous = a;
  }
  sigmas_.resize(alphas_cumprod_.size());
  log_sigmas_.resize(alphas_cumprod_.size());
  for (size_t t = 0; t < alphas_cumprod_.size(); ++t) {
    sigmas_[t] = std::sqrt((1.0 - alphas_cumprod_[t]) / alphas_cumprod_[t]);
    log_sigmas_[t] = std::log(sigmas_[t]);
  }
}

NoiseSchedule NoiseSchedule::linear(int steps, double beta_start, double beta_end) {
  check_steps(steps);
  std::vector<double> betas(steps);
  for (int i = 0; i < steps; ++i) betas[i] = beta_start + (beta_end - beta_start) * i / (steps - 1);
  return NoiseSchedule("linear", cumprod_of_betas(betas));
}

NoiseSchedule NoiseSchedule::scaled_linear(int steps, double beta_start, double beta_end) {
  check_steps(steps);
  const double lo = std::sqrt(beta_start), hi = std::sqrt(beta_end);
  std::vector<double> betas(steps);
  for (int i = 0; i < steps; ++i) {
    const double root = lo + (hi - lo) * i / (steps - 1);
    betas[i] = root * root;
  }
  return NoiseSchedule("scaled-linear", cumprod_of_betas(betas));
}

NoiseSchedule NoiseSchedule::cosine(int steps, double s, double max_beta) {
  check_steps(steps);
  auto alpha_bar = [&](double u) {
    const double c = std::cos((u + s) / (1.0 + s) * std::numbers::pi / 2.0);
    return c * c;
  };
  std::vector<double> betas(steps);
  for (int i = 0; i < steps; ++i) {
    const double u0 = static_cast<double>(i) / steps, u1 = static_cast<double>(i + 1) / steps;
    betas[i] = std::min(1.0 - alpha_bar(u1) / alpha_bar(u0), max_beta);
  }
  return NoiseSchedule("cosine", cumprod_of_betas(betas));
}

NoiseSchedule NoiseSchedule::from_alphas_cumprod(std::vector<double> alphas_cumprod, std::string name) {
  return NoiseSchedule(std::move(name), std::move(alphas_cumprod));
}

NoiseSchedule NoiseSchedule::zero_terminal_snr() const {
  // A1111's and ComfyUI's last ᾱ: small enough to be pure noise to any
  // network, large enough for σ to stay finite.
  constexpr double kLastAlphaBar = 4.8973451890853435e-08;
  const double first = std::sqrt(alphas_cumprod_.front()), last = std::sqrt(alphas_cumprod_.back());
  std::vector<double> rescaled(alphas_cumprod_.size());
  for (size_t t = 0; t < rescaled.size(); ++t) {
    const double root = (std::sqrt(alphas_cumprod_[t]) - last) * first / (first - last);
    rescaled[t] = root * root;
  }
  // DDPM's linear schedule falls below that value one step earlier: there the
  // last is half the one before, so that ᾱ still decreases strictly.
  rescaled.back() = std::min(kLastAlphaBar, rescaled[rescaled.size() - 2] / 2);
  return NoiseSchedule(name_ + std::string(kZeroTerminalSnrSuffix), std::move(rescaled));
}

NoiseSchedule NoiseSchedule::by_name(const std::string& name) {
  const bool rescaled = is_zero_terminal_snr(name);
  const std::string base = rescaled ? name.substr(0, name.size() - kZeroTerminalSnrSuffix.size()) : name;
  auto maybe_rescaled = [rescaled](NoiseSchedule schedule) {
    return rescaled ? schedule.zero_terminal_snr() : schedule;
  };
  if (base == "linear") return maybe_rescaled(linear());
  if (base == "scaled-linear" || base == "scaled_linear") return maybe_rescaled(scaled_linear());
  if (base == "cosine" || base == "squaredcos_cap_v2") return maybe_rescaled(cosine());
  throw Error("unknown noise schedule '" + name + "' (use linear, scaled-linear or cosine, each optionally -ztsnr)");
}

std::vector<std::string> NoiseSchedule::names() { return {"linear", "scaled-linear", "cosine"}; }

void NoiseSchedule::check_t(int t) const {
  if (t < 0 || t >= steps()) {
    throw Error("timestep " + std::to_string(t) + " is outside 0.." + std::to_string(steps() - 1));
  }
}

double NoiseSchedule::beta(int t) const {
  check_t(t);
  return t == 0 ? 1.0 - alphas_cumprod_[0] : 1.0 - alphas_cumprod_[t] / alphas_cumprod_[t - 1];
}

double NoiseSchedule::alpha_bar(int t) const {
  check_t(t);
  return alphas_cumprod_[t];
}

double NoiseSchedule::sigma(int t) const {
  check_t(t);
  return sigmas_[t];
}

double NoiseSchedule::sigma_at(double t) const {
  const double last = steps() - 1;
  t = std::clamp(t, 0.0, last);
  const int low = static_cast<int>(std::floor(t));
  const int high = std::min(low + 1, steps() - 1);
  const double w = t - low;
  return std::exp((1.0 - w) * log_sigmas_[low] + w * log_sigmas_[high]);
}

double NoiseSchedule::t_at(double sigma) const {
  if (!(sigma > 0.0)) return 0.0;
  const double log_sigma = std::log(sigma);
  // log σ increases with t: find the interval [low, low+1] that holds log σ.
  auto it = std::upper_bound(log_sigmas_.begin(), log_sigmas_.end(), log_sigma);
  int low = static_cast<int>(it - log_sigmas_.begin()) - 1;
  low = std::clamp(low, 0, steps() - 2);
  const double lo = log_sigmas_[low], hi = log_sigmas_[low + 1];
  const double w = std::clamp((log_sigma - lo) / (hi - lo), 0.0, 1.0);
  return low + w;
}

}  // namespace diffscope
