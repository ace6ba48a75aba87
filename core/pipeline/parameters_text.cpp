#include "core/pipeline/parameters_text.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>
#include <vector>

#include "core/models/sd/sd_checkpoint.h"
#include "core/pipeline/pipeline.h"

namespace diffscope {
namespace {

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// A1111's "Schedule type" labels for our spacings.
std::string schedule_type_label(const std::string& spacing) {
  if (spacing == "linspace") return "Uniform";
  if (spacing == "karras") return "Karras";
  if (spacing == "exponential") return "Exponential";
  if (spacing == "leading") return "Leading";
  return "Trailing";
}

}  // namespace

std::string quote_parameter_value(const std::string& value) {
  if (value.find_first_of(",:\n") == std::string::npos) return value;
  return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_parameters(const Request& request, int index, const std::string& model_hash) {
  const SamplerInfo& sampler = sampler_by_name(request.sampler);
  const std::string spacing = resolved_spacing(request);
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Steps", std::to_string(request.steps)},
      {"Sampler", sampler.a1111_name},
      {"Schedule type", schedule_type_label(spacing)},
      {"CFG scale", number(request.cfg_scale.value_or(1.0))},
      {"Seed", std::to_string(request.seed + index)},
      {"Size", std::to_string(request.width) + "x" + std::to_string(request.height)},
  };
  const bool checkpoint = sd::looks_like_checkpoint_path(request.model);
  if (!model_hash.empty()) fields.emplace_back("Model hash", model_hash);
  fields.emplace_back("Model", checkpoint ? std::filesystem::path(request.model).filename().replace_extension().string()
                                          : request.model);
  if (checkpoint) {
    if (!request.init_image.empty()) fields.emplace_back("Denoising strength", number(request.strength));
    if (request.clip_skip != 1) fields.emplace_back("Clip skip", std::to_string(request.clip_skip));
    if (!request.vae.empty()) fields.emplace_back("VAE", std::filesystem::path(request.vae).filename().string());
    fields.emplace_back("DiffScope checkpoint", request.model);
    if (!request.vae.empty()) fields.emplace_back("DiffScope VAE", request.vae);
    if (request.prediction != "auto") fields.emplace_back("DiffScope prediction", request.prediction);
    if (request.precision != "auto") fields.emplace_back("DiffScope precision", request.precision);
  }
  // DiffScope's own keys: whatever else regenerating the image needs.
  fields.emplace_back("DiffScope spacing", spacing);
  fields.emplace_back("DiffScope noise schedule", request.schedule);
  if (sampler.uses_eta) fields.emplace_back("Eta", number(request.eta.value_or(sampler.default_eta)));
  if (sampler.name == "ddpm") {
    fields.emplace_back("DDPM variance", request.ddpm_variance == DdpmVariance::Beta ? "beta" : "beta-tilde");
  }
  fields.emplace_back("Version", "DiffScope 0.1");

  std::string text = request.prompt;
  if (!request.negative_prompt.empty()) text += "\nNegative prompt: " + request.negative_prompt;
  text += "\n";
  for (size_t i = 0; i < fields.size(); ++i) {
    text += (i ? ", " : "") + fields[i].first + ": " + quote_parameter_value(fields[i].second);
  }
  return text;
}

}  // namespace diffscope
