#include "core/pipeline/parameters_parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "core/common/errors.h"
#include "core/common/text.h"
#include "core/pipeline/parameter_fields.h"
#include "core/pipeline/request_limits.h"
#include "core/schedule/spacing.h"

namespace diffscope {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  return lines;
}

std::map<std::string, std::string> parse_fields(const std::string& line) {
  std::map<std::string, std::string> fields;
  for (const auto& [key, value] : split_parameter_fields(line)) fields[key] = unquote_parameter_value(value);
  return fields;
}

// The whole text must be the number (no trailing junk).
bool parse_number(const std::string& text, double& out) {
  const std::string t = trim(text);
  char* end = nullptr;
  const double value = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size()) return false;
  out = value;
  return true;
}

template <typename Int>
bool parse_number(const std::string& text, Int& out) {
  const std::string t = trim(text);
  const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), out);
  return !t.empty() && error == std::errc() && end == t.data() + t.size();
}

std::string format_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// A PNG from a stranger may say anything: values outside DiffScope's limits
// (request_limits.h) are clamped, non-finite ones dropped, each with a warning
// the app shows, rather than reaching the form or the engine.
void keep_within_limits(ParsedParameters& parsed) {
  Request& r = parsed.request;
  auto clamp_int = [&](const char* name, int& value, int low, int high) {
    if (value >= low && value <= high) return;
    const int clamped = std::clamp(value, low, high);
    parsed.warnings.push_back(std::string(name) + " " + std::to_string(value) + " is outside " + std::to_string(low) +
                              "–" + std::to_string(high) + ": set to " + std::to_string(clamped));
    value = clamped;
  };
  auto check_real = [&](const char* name, std::optional<double>& value, double low, double high) {
    if (!value || (std::isfinite(*value) && *value >= low && *value <= high)) return;
    if (!std::isfinite(*value)) {
      parsed.warnings.push_back(std::string(name) + " " + format_value(*value) +
                                " is not a number: left at the default");
      value.reset();
      return;
    }
    const double clamped = std::clamp(*value, low, high);
    parsed.warnings.push_back(std::string(name) + " " + format_value(*value) + " is outside " + format_value(low) +
                              "–" + format_value(high) + ": set to " + format_value(clamped));
    value = clamped;
  };
  clamp_int("Steps", r.steps, limits::kMinSteps, limits::kMaxSteps);
  check_real("CFG scale", r.cfg_scale, limits::kMinCfg, limits::kMaxCfg);
  check_real("Eta", r.eta, limits::kMinEta, limits::kMaxEta);
  clamp_int("Width", r.width, 1, limits::kMaxImageSide);
  clamp_int("Height", r.height, 1, limits::kMaxImageSide);
  SizeConditioning& sizes = r.size_conditioning;
  for (int* side : {&sizes.original_width, &sizes.original_height, &sizes.target_width, &sizes.target_height,
                    &sizes.crop_left, &sizes.crop_top}) {
    if (*side > limits::kMaxConditioningSide)
      clamp_int("A size conditioning value", *side, 0, limits::kMaxConditioningSide);
  }
  if (r.seed < 0) {
    parsed.warnings.push_back("Seed " + std::to_string(r.seed) + " is negative: set to 0");
    r.seed = 0;
  }
  // Files the parameters name are opened only when the run starts (and
  // refused then if they are not what they claim); a path climbing out with
  // ".." is worth a look before that.
  for (const std::string* path : {&r.model, &r.vae, &r.refiner, &r.init_image}) {
    if (path->find("..") != std::string::npos) {
      parsed.warnings.push_back("the parameters name the file \"" + *path +
                                "\" (with \"..\"): check it before running");
    }
  }
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) text += (i ? "\n" : "") + lines[i];
  return text;
}

}  // namespace

std::string unquote_parameter_value(const std::string& value) {
  const std::string v = trim(value);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    try {
      return nlohmann::json::parse(v).get<std::string>();
    } catch (const nlohmann::json::exception&) {
      return v;  // not valid JSON: keep it as written
    }
  }
  return v;
}

namespace {

// "DiffScope branch": {"at step": K, "parent": "<the parent's parameters>"}.
// Branches nest (the parent's text may hold its own), at most this deep.
constexpr int kMaxBranchDepth = 64;
thread_local int branch_depth = 0;

void read_branch(const std::string& value, Request& r, std::vector<std::string>& warnings) {
  try {
    if (branch_depth >= kMaxBranchDepth) throw Error("branches nested too deep");
    const nlohmann::json branch = nlohmann::json::parse(value);
    const auto& step = branch.at("at step");
    if (!step.is_number_integer() || step.get<int64_t>() < 1 || step.get<int64_t>() > limits::kMaxSteps) {
      throw Error("its step is not a whole number from 1 to " + std::to_string(limits::kMaxSteps));
    }
    const int at_step = static_cast<int>(step.get<int64_t>());
    struct Deeper {
      Deeper() { ++branch_depth; }
      ~Deeper() { --branch_depth; }
    } deeper;
    const ParsedParameters parent = parse_parameters(branch.at("parent").get<std::string>());
    for (const std::string& warning : parent.warnings) warnings.push_back("the parent run: " + warning);
    r.branch = BranchPoint{std::make_shared<const Request>(parent.request), at_step - 1};
  } catch (const std::exception& e) {
    warnings.push_back("could not read DiffScope branch (" + std::string(e.what()) + "); restored as a run of its own");
  }
}

}  // namespace

ParsedParameters parse_parameters(const std::string& text) {
  std::vector<std::string> lines = split_lines(text);
  if (lines.empty() || parse_fields(lines.back()).count("Steps") == 0) {
    throw Error("no generation parameters found (expected a line with \"Steps: …\")");
  }
  ParsedParameters parsed;
  parsed.fields = parse_fields(lines.back());
  lines.pop_back();

  // Lines before the parameters: the prompt, then "Negative prompt: …" to the end.
  static const std::string kNegative = "Negative prompt:";
  std::vector<std::string> prompt, negative;
  bool in_negative = false;
  for (const std::string& line : lines) {
    if (!in_negative && line.rfind(kNegative, 0) == 0) {
      in_negative = true;
      negative.push_back(trim(line.substr(kNegative.size())));
    } else {
      (in_negative ? negative : prompt).push_back(line);
    }
  }
  Request& r = parsed.request;
  r.prompt = join_lines(prompt);
  r.negative_prompt = join_lines(negative);

  const auto& f = parsed.fields;
  auto warn = [&](const std::string& key) {
    parsed.warnings.push_back("could not read " + key + ": \"" + f.at(key) + "\"");
  };
  auto read_int = [&](const std::string& key, auto& out) {
    if (f.count(key) && !parse_number(f.at(key), out)) warn(key);
  };
  read_int("Steps", r.steps);
  read_int("Seed", r.seed);
  if (f.count("CFG scale")) {
    double cfg = 0;
    parse_number(f.at("CFG scale"), cfg) ? void(r.cfg_scale = cfg) : warn("CFG scale");
  }
  if (f.count("Eta")) {
    double eta = 0;
    parse_number(f.at("Eta"), eta) ? void(r.eta = eta) : warn("Eta");
  }
  // "WxH" (or "left x top") into two ints.
  auto read_pair = [&](const std::string& key, int& x, int& y) {
    if (!f.count(key)) return;
    const std::string& text = f.at(key);
    const size_t cross = text.find('x');
    auto digits = [](const std::string& part) {
      return !part.empty() && part.size() <= 6 && part.find_first_not_of("0123456789") == std::string::npos;
    };
    if (cross != std::string::npos && digits(text.substr(0, cross)) && digits(text.substr(cross + 1))) {
      x = std::stoi(text.substr(0, cross));
      y = std::stoi(text.substr(cross + 1));
    } else {
      warn(key);
    }
  };
  read_pair("Size", r.width, r.height);
  read_int("Variation seed", r.variation.seed);
  if (f.count("Variation seed strength")) {
    double strength = 0;
    parse_number(f.at("Variation seed strength"), strength) && strength >= 0 && strength <= 1
        ? void(r.variation.strength = strength)
        : warn("Variation seed strength");
  }
  read_pair("Seed resize from", r.variation.resize_from_width, r.variation.resize_from_height);
  if (f.count("DiffScope branch")) read_branch(f.at("DiffScope branch"), r, parsed.warnings);
  SizeConditioning& sizes = r.size_conditioning;
  read_pair("DiffScope original size", sizes.original_width, sizes.original_height);
  read_pair("DiffScope crop", sizes.crop_left, sizes.crop_top);
  read_pair("DiffScope target size", sizes.target_width, sizes.target_height);
  // A1111 before 1.9 named the schedule in the sampler ("DPM++ 2M Karras");
  // an explicit "Schedule type" or "DiffScope spacing" below wins.
  std::optional<Spacing> spacing_in_sampler;
  if (f.count("Sampler")) {
    std::string sampler = f.at("Sampler");
    for (const char* suffix : {" Karras", " Exponential"}) {
      const std::string_view end(suffix);
      if (sampler.size() > end.size() && sampler.compare(sampler.size() - end.size(), end.size(), end) == 0) {
        spacing_in_sampler = spacing_by_label(sampler.substr(sampler.size() - end.size() + 1));
        sampler.resize(sampler.size() - end.size());
      }
    }
    try {
      r.sampler = sampler_by_name(sampler).id;
    } catch (const Error&) {
      warn("Sampler");
      spacing_in_sampler.reset();
    }
  }
  if (spacing_in_sampler) r.spacing = spacing_in_sampler;
  if (f.count("DiffScope spacing")) {
    try {
      r.spacing = spacing_by_name(f.at("DiffScope spacing"));
    } catch (const Error&) {
      warn("DiffScope spacing");
    }
  } else if (f.count("Schedule type")) {
    // "Automatic" is the sampler's own; a list DiffScope does not have (A1111's
    // "DDIM") is said, and the sampler's own runs instead.
    r.spacing = spacing_by_label(f.at("Schedule type"));
    if (!r.spacing && f.at("Schedule type") != "Automatic") warn("Schedule type");
  }
  if (f.count("DiffScope noise schedule")) r.schedule = f.at("DiffScope noise schedule");
  if (f.count("Model")) r.model = f.at("Model");
  // Stable Diffusion: the checkpoint's path (A1111 names it by its stem only).
  if (f.count("DiffScope checkpoint")) r.model = f.at("DiffScope checkpoint");
  if (f.count("DiffScope VAE")) r.vae = f.at("DiffScope VAE");
  if (f.count("DiffScope prediction")) {
    try {
      r.prediction = prediction_by_name(f.at("DiffScope prediction"));
    } catch (const Error&) {
      warn("DiffScope prediction");
    }
  }
  if (f.count("DiffScope precision")) {
    try {
      r.precision = parse_precision(f.at("DiffScope precision"));
    } catch (const Error&) {
      warn("DiffScope precision");
    }
  }
  if (f.count("Clip skip")) {
    double skip = 0;
    parse_number(f.at("Clip skip"), skip) && skip >= 1 && skip <= 12 ? void(r.clip_skip = int(skip))
                                                                     : warn("Clip skip");
  }
  if (f.count("DiffScope prompt as written")) {
    const std::string& as_written = f.at("DiffScope prompt as written");
    as_written == "True" || as_written == "False" ? void(r.prompt_as_written = as_written == "True")
                                                  : warn("DiffScope prompt as written");
  }
  if (f.count("DiffScope refiner")) r.refiner = f.at("DiffScope refiner");
  if (f.count("Refiner switch at")) {
    double at = 0;
    parse_number(f.at("Refiner switch at"), at) && at > 0 && at <= 1 ? void(r.refiner_switch_at = at)
                                                                     : warn("Refiner switch at");
  }
  if (f.count("Refiner switch by sampling steps")) {
    const std::string& by_steps = f.at("Refiner switch by sampling steps");
    by_steps == "True" || by_steps == "False" ? void(r.refiner_switch_by_steps = by_steps == "True")
                                              : warn("Refiner switch by sampling steps");
  }
  if (f.count("Denoising strength")) {
    double strength = 0;
    parse_number(f.at("Denoising strength"), strength) && strength > 0 && strength <= 1 ? void(r.strength = strength)
                                                                                        : warn("Denoising strength");
  }
  if (f.count("Mask blur")) {
    int blur = 0;
    const bool ok =
        parse_number(f.at("Mask blur"), blur) && (blur >= limits::kMinMaskBlur) && (blur <= limits::kMaxMaskBlur);
    ok ? void(r.mask_blur = blur) : warn("Mask blur");
  }
  if (f.count("DiffScope resize mode")) {
    const std::optional<ResizeMode> mode = parse_resize_mode(f.at("DiffScope resize mode"));
    mode ? void(r.resize_mode = *mode) : warn("DiffScope resize mode");
  }
  if (f.count("Masked content")) {
    const std::optional<MaskedContent> content = parse_masked_content(f.at("Masked content"));
    content ? void(r.masked_content = *content) : warn("Masked content");
  }
  if (f.count("DiffScope inpaint resample")) {
    int repeats = 0;
    const bool ok = parse_number(f.at("DiffScope inpaint resample"), repeats) && (repeats >= limits::kMinResample) &&
                    (repeats <= limits::kMaxResample);
    ok ? void(r.inpaint_resample = repeats) : warn("DiffScope inpaint resample");
  }
  if (f.count("Conditional mask weight")) {
    double weight = 0;
    const bool ok = parse_number(f.at("Conditional mask weight"), weight) && (weight >= limits::kMinMaskWeight) &&
                    (weight <= limits::kMaxMaskWeight);
    ok ? void(r.inpainting_mask_weight = weight) : warn("Conditional mask weight");
  }
  if (f.count("DDPM variance")) {
    const std::string& v = f.at("DDPM variance");
    if (v == "beta")
      r.ddpm_variance = DdpmVariance::Beta;
    else if (v == "beta-tilde")
      r.ddpm_variance = DdpmVariance::BetaTilde;
    else
      warn("DDPM variance");
  }
  keep_within_limits(parsed);
  return parsed;
}

}  // namespace diffscope
