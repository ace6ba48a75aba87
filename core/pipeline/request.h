#pragma once
// Everything a generation needs, so that a PNG's parameters can restore it.
#include <cstdint>
#include <optional>
#include <string>

#include "core/sampling/sampler.h"

namespace diffscope {

struct Request {
  std::string model = "diffscope-emoji";  // kBuiltinModel
  std::string prompt;
  std::string negative_prompt;
  int64_t seed = 0;
  int batch = 1;                        // image i uses seed + i
  int steps = 20;
  std::string sampler = "euler";
  std::string spacing = "auto";         // "auto": the sampler's default
  std::string schedule = "auto";        // noise schedule, where the model lets it be chosen
  std::optional<double> eta;            // unset: the sampler's default
  DdpmVariance ddpm_variance = DdpmVariance::BetaTilde;
  std::optional<double> cfg_scale;      // unset: the model's default
  int width = 64, height = 64;
  std::string device = "auto";
};

}  // namespace diffscope
