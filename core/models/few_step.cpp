#include "core/models/few_step.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <regex>
#include <vector>

#include "core/common/errors.h"
#include "core/models/model_info.h"

namespace fs = std::filesystem;

namespace diffscope {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// `word` in `text` not inside a longer word of letters ("lcm" in "lcm_dreamshaper",
// "sdxl-lcm", "ssd-1b-lcm"; not in "calcium").
bool has_word(const std::string& text, const std::string& word) {
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !std::isalpha(static_cast<unsigned char>(text[at - 1]));
    const size_t end = at + word.size();
    const bool ends = end == text.size() || !std::isalpha(static_cast<unsigned char>(text[end]));
    if (starts && ends) return true;
  }
  return false;
}

// "sdxl_lightning_4step", "lightning 8-step": the step count it was distilled for.
int named_steps(const std::string& text) {
  static const std::regex pattern("(^|[^0-9])([1-8])[ _-]?steps?\\b");
  std::smatch match;
  return std::regex_search(text, match, pattern) ? std::stoi(match[2]) : 0;
}

FewStepMatch match_text(const std::string& raw, const std::string& source) {
  const std::string text = lowercase(raw);
  FewStepMatch match;
  if (has_word(text, "turbo") || text.find("adversarial diffusion distillation") != std::string::npos) {
    match.kind = FewStepKind::Turbo;
  } else if (has_word(text, "lightning")) {
    match.kind = FewStepKind::Lightning;
    match.steps = named_steps(text);
  } else if (has_word(text, "lcm") || text.find("latent consistency") != std::string::npos) {
    match.kind = FewStepKind::Lcm;
  }
  if (match.kind != FewStepKind::None) match.source = source;
  return match;
}

// The metadata keys that hold a model's own name or description (the SAI
// model spec's and the common free-text ones); training keys (ss_*) name
// datasets and base models, not this model.
bool describes_model(const std::string& key) {
  static const std::vector<std::string> keys = {
      "modelspec.title", "modelspec.description", "modelspec.architecture", "name", "title", "description"};
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string index_name(const fs::path& folder) {
  std::ifstream in(folder / "model_index.json");
  const nlohmann::json index = nlohmann::json::parse(in, nullptr, false);
  if (!index.is_object() || !index.contains("_name_or_path") || !index["_name_or_path"].is_string()) return {};
  return index["_name_or_path"].get<std::string>();
}

// The names the user or the hub gave it: a file's stem; a folder's name, or
// for a hub snapshot (…/models--stabilityai--sdxl-turbo/snapshots/<hash>) the
// repository folder. Folders further up (a user's "turbo" drive) say nothing.
std::vector<std::string> own_names(const fs::path& checkpoint) {
  const fs::path path = checkpoint.lexically_normal();
  const fs::path self = path.has_filename() ? path : path.parent_path();
  std::vector<std::string> names = {fs::is_directory(self) ? self.filename().string() : self.stem().string()};
  const fs::path parent = self.parent_path();
  if (parent.filename() == "snapshots") names.push_back(parent.parent_path().filename().string());
  return names;
}

}  // namespace

FewStepKind few_step_by_name(const std::string& name) {
  for (FewStepKind kind : {FewStepKind::None, FewStepKind::Turbo, FewStepKind::Lcm, FewStepKind::Lightning}) {
    if (few_step_name(kind) == name) return kind;
  }
  throw Error("unknown few-step kind '" + name + "' (choices: turbo, lcm, lightning, none)");
}

std::string few_step_name(FewStepKind kind) {
  switch (kind) {
    case FewStepKind::None: return "none";
    case FewStepKind::Turbo: return "turbo";
    case FewStepKind::Lcm: return "lcm";
    case FewStepKind::Lightning: return "lightning";
  }
  return "none";
}

FewStepMatch detect_few_step(const fs::path& checkpoint, const std::map<std::string, std::string>& metadata) {
  for (const auto& [key, value] : metadata) {
    if (!describes_model(key)) continue;
    const FewStepMatch match = match_text(value, "file metadata (" + key + ")");
    if (match.kind != FewStepKind::None) return match;
  }
  if (fs::is_directory(checkpoint)) {
    const FewStepMatch match = match_text(index_name(checkpoint), "model_index.json");
    if (match.kind != FewStepKind::None) return match;
  }
  for (const std::string& name : own_names(checkpoint)) {
    const FewStepMatch match = match_text(name, "its name");
    if (match.kind != FewStepKind::None) return match;
  }
  return {};
}

void apply_few_step(ModelInfo& info, const FewStepMatch& match) {
  info.few_step = match.kind;
  info.few_step_source = match.source;
  switch (match.kind) {
    case FewStepKind::None: return;
    case FewStepKind::Turbo:
      // Stability's model cards: 1–4 steps, guidance off, trained at 512²;
      // diffusers runs them with Euler ancestral on trailing timesteps.
      info.default_steps = 1;
      info.default_sampler = SamplerId::EulerAncestral;
      info.default_spacing = Spacing::Trailing;
      info.sizes.default_side = 512;
      break;
    case FewStepKind::Lcm:
      // LCM's sampler on its own timesteps; 2–8 steps, guidance ~1.
      info.default_steps = 4;
      info.default_sampler = SamplerId::Lcm;
      info.default_spacing = Spacing::Lcm;
      break;
    case FewStepKind::Lightning:
      // ByteDance's card: Euler on trailing ("sgm_uniform") timesteps, as
      // many steps as the checkpoint was distilled for, guidance off.
      info.default_steps = match.steps > 0 ? match.steps : 4;
      info.default_sampler = SamplerId::Euler;
      info.default_spacing = Spacing::Trailing;
      break;
  }
  info.default_cfg = 1.0;
}

std::string few_step_summary(const ModelInfo& info) {
  if (info.few_step == FewStepKind::None) return {};
  const int side = info.sizes.default_side;
  char cfg[32];
  std::snprintf(cfg, sizeof cfg, "%g", info.default_cfg);
  return "a few-step model (" + few_step_name(info.few_step) + ", by " + info.few_step_source +
         "): " + std::to_string(info.default_steps) + (info.default_steps == 1 ? " step, " : " steps, ") +
         sampler_info(info.default_sampler).a1111_name + ", " +
         (info.default_spacing ? spacing_name(*info.default_spacing) : std::string("the sampler's")) +
         " spacing, CFG " + cfg + (info.default_cfg == 1.0 ? " (off)" : "") + ", " + std::to_string(side) + "×" +
         std::to_string(side);
}

}  // namespace diffscope
