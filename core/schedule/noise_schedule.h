#pragma once
// Discrete DDPM noise schedules: β_t and ᾱ_t for t = 0..T−1, and the σ-form
// noise level σ_t = √((1−ᾱ_t)/ᾱ_t) with log-linear interpolation between
// integer timesteps (as k-diffusion's DiscreteSchedule), so that fractional
// timesteps and arbitrary σ map onto each other.
#include <string>
#include <string_view>
#include <vector>

namespace diffscope {

// The name suffix of a schedule rescaled to zero terminal SNR.
inline constexpr std::string_view kZeroTerminalSnrSuffix = "-ztsnr";
// Whether a schedule's name says it is rescaled to zero terminal SNR.
inline bool is_zero_terminal_snr(std::string_view name) {
  return name.size() > kZeroTerminalSnrSuffix.size() && name.ends_with(kZeroTerminalSnrSuffix);
}

class NoiseSchedule {
 public:
  // DDPM (Ho et al. 2020): β linear from 1e-4 to 0.02.
  static NoiseSchedule linear(int steps = 1000, double beta_start = 1e-4, double beta_end = 0.02);
  // Stable Diffusion: √β linear from √0.00085 to √0.012.
  static NoiseSchedule scaled_linear(int steps = 1000, double beta_start = 0.00085, double beta_end = 0.012);
  // Improved DDPM (Nichol & Dhariwal 2021): ᾱ(t) ∝ cos²(((t/T)+s)/(1+s)·π/2), β ≤ 0.999.
  static NoiseSchedule cosine(int steps = 1000, double s = 0.008, double max_beta = 0.999);
  // A checkpoint's own alphas_cumprod buffer.
  static NoiseSchedule from_alphas_cumprod(std::vector<double> alphas_cumprod, std::string name);
  // This schedule rescaled to zero terminal SNR (Lin et al. 2024, "Common
  // Diffusion Noise Schedules and Sample Steps are Flawed", Algorithm 1):
  // √ᾱ shifted so that its last value is 0 and scaled so that its first is
  // unchanged; the last ᾱ is then set to 4.8973451890853435e-08 (σ ≈ 4519)
  // instead of 0, as A1111 and ComfyUI do, so that samplers start from a
  // finite σ (half the ᾱ before it where that is smaller: DDPM's linear).
  // Named "<name>-ztsnr". What v-prediction SDXL fine-tunes trained this way
  // (NoobAI-XL V-Pred…) need.
  NoiseSchedule zero_terminal_snr() const;
  // "linear", "scaled-linear" or "cosine", each optionally "-ztsnr"; anything
  // else is an Error.
  static NoiseSchedule by_name(const std::string& name);
  static std::vector<std::string> names();

  const std::string& name() const { return name_; }
  int steps() const { return static_cast<int>(alphas_cumprod_.size()); }

  double beta(int t) const;
  double alpha_bar(int t) const;
  double sigma(int t) const;  // integer timestep

  // Fractional timestep → σ by interpolating log σ linearly; t ∈ [0, T−1].
  double sigma_at(double t) const;
  // σ → fractional timestep (inverse of sigma_at, clamped to [0, T−1]).
  double t_at(double sigma) const;
  double sigma_min() const { return sigmas_.front(); }
  double sigma_max() const { return sigmas_.back(); }

  // Conversions that hold for any σ (ᾱ = 1/(1+σ²)).
  static double alpha_bar_of_sigma(double sigma) { return 1.0 / (1.0 + sigma * sigma); }
  static double snr_of_sigma(double sigma) { return 1.0 / (sigma * sigma); }
  double snr(int t) const { return snr_of_sigma(sigma(t)); }

 private:
  NoiseSchedule(std::string name, std::vector<double> alphas_cumprod);
  void check_t(int t) const;

  std::string name_;
  std::vector<double> alphas_cumprod_;
  std::vector<double> sigmas_;  // ascending in t
  std::vector<double> log_sigmas_;
};

}  // namespace diffscope
