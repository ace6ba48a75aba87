#include "core/grid/grid_axes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
#include <regex>

#include "core/common/errors.h"
#include "core/common/text.h"
#include "core/models/adapters/lora_prompt.h"
#include "core/pipeline/request_limits.h"
#include "core/sampling/sampler.h"
#include "core/schedule/spacing.h"

namespace diffscope {
namespace {

struct SettingName {
  const char* key;
  GridSetting setting;
  const char* title;  // A1111's axis name
};

constexpr SettingName kSettings[] = {
    {"sampler", GridSetting::Sampler, "Sampler"},
    {"steps", GridSetting::Steps, "Steps"},
    {"cfg", GridSetting::Cfg, "CFG Scale"},
    {"seed", GridSetting::Seed, "Seed"},
    {"prompt", GridSetting::PromptReplace, "Prompt S/R"},
    {"spacing", GridSetting::Spacing, "Schedule type"},
    {"schedule", GridSetting::Schedule, "Noise schedule"},
    {"model", GridSetting::Model, "Checkpoint name"},
    {"lora", GridSetting::LoraWeight, "LoRA weight"},
};

const SettingName& setting_name(GridSetting setting) {
  for (const SettingName& name : kSettings) {
    if (name.setting == setting) return name;
  }
  throw Error("unknown grid setting");
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// Comma-separated values; a double-quoted value may hold commas, "" is a quote.
std::vector<std::string> split_values(const std::string& text, const std::string& axis) {
  std::vector<std::string> values;
  std::string value;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        value += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        value += c;
      }
    } else if (c == '"' && trim(value).empty()) {
      quoted = was_quoted = true;
      value.clear();
    } else if (c == ',') {
      values.push_back(was_quoted ? value : trim(value));
      value.clear();
      was_quoted = false;
    } else {
      value += c;
    }
  }
  if (quoted) throw Error("grid axis " + axis + ": a quote is not closed");
  values.push_back(was_quoted ? value : trim(value));
  return values;
}

double parse_number(const std::string& text, const std::string& axis) {
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size() && std::isfinite(value)) return value;
  } catch (const std::exception&) {
  }
  const bool long_text = text.size() > 40;  // a pasted page is not repeated whole
  throw Error("grid axis " + axis + ": \"" + (long_text ? text.substr(0, 40) + "…" : text) + "\" is not a number");
}

// "1-5", "1-10 (+3)", "10-1 (-3)", "1-10 [4]" → its values; nullopt where
// `text` is not a range. Whole numbers only where `whole`.
std::optional<std::vector<double>> expand_range(const std::string& text, bool whole, const std::string& axis) {
  static const std::regex range(
      R"(\s*([+-]?\d+(?:\.\d*)?)\s*-\s*([+-]?\d+(?:\.\d*)?)\s*(?:\(\s*([+-]\s*\d+(?:\.\d*)?)\s*\)|\[\s*(\d+)\s*\])?\s*)");
  // A range is a few characters; longer text (a pasted prompt) is not one, and
  // std::regex recurses once per character it reads.
  constexpr size_t kLongestRange = 80;
  if (text.size() > kLongestRange) return std::nullopt;
  std::smatch match;
  if (!std::regex_match(text, match, range)) return std::nullopt;
  const double start = parse_number(match[1], axis), end = parse_number(match[2], axis);
  if (whole && (start != std::floor(start) || end != std::floor(end))) {
    throw Error("grid axis " + axis + ": the range " + text + " needs whole numbers");
  }
  std::vector<double> values;
  if (match[4].matched) {  // [count]: evenly spaced, both ends included
    const long count = std::stol(match[4].str().substr(0, 9));
    if (count < 1 || size_t(count) > kMaxGridValues) {
      throw Error("grid axis " + axis + ": " + text + " asks for " + match[4].str() + " values (1 to " +
                  std::to_string(kMaxGridValues) + ")");
    }
    for (long i = 0; i < count; ++i) {
      const double value = count == 1 ? start : start + (end - start) * double(i) / double(count - 1);
      values.push_back(whole ? std::round(value) : value);
    }
    return values;
  }
  std::string step_text = match[3].matched ? match[3].str() : (end >= start ? "1" : "-1");
  step_text.erase(std::remove(step_text.begin(), step_text.end(), ' '), step_text.end());
  const double step = parse_number(step_text, axis);
  if (step == 0 || (end - start) * step < 0) throw Error("grid axis " + axis + ": the range " + text + " never ends");
  if (whole && step != std::floor(step))
    throw Error("grid axis " + axis + ": the range " + text + " needs a whole step");
  const double count = std::floor((end - start) / step + 1e-9) + 1;
  if (count > double(kMaxGridValues)) {
    throw Error("grid axis " + axis + ": the range " + text + " has more than " + std::to_string(kMaxGridValues) +
                " values");
  }
  for (int i = 0; i < int(count); ++i) values.push_back(start + step * i);
  return values;
}

// Numbers and ranges of numbers, checked against [low, high], as the text
// they are applied from.
std::vector<std::string> number_values(const std::vector<std::string>& items, bool whole, double low, double high,
                                       const std::string& axis) {
  std::vector<std::string> values;
  for (const std::string& item : items) {
    std::vector<double> numbers;
    if (auto range = expand_range(item, whole, axis)) {
      numbers = *range;
    } else {
      numbers.push_back(parse_number(item, axis));
    }
    for (const double number : numbers) {
      if ((whole && number != std::floor(number)) || number < low || number > high) {
        throw Error("grid axis " + axis + ": " + format_number(number) + " is out of range (" + format_number(low) +
                    " to " + format_number(high) + (whole ? ", whole numbers" : "") + ")");
      }
      values.push_back(whole ? std::to_string(static_cast<long long>(number)) : format_number(number));
      if (values.size() > kMaxGridValues) break;
    }
  }
  return values;
}

// A spacing by DiffScope's name or A1111's schedule-type label ("Karras",
// "Align Your Steps"), as a sampler is found by either of its names.
Spacing spacing_by_name_or_label(const std::string& text) {
  if (const std::optional<Spacing> by_label = spacing_by_label(text)) return *by_label;
  return spacing_by_name(text);  // else an Error that lists the names
}

}  // namespace

std::string grid_setting_names() {
  std::vector<std::string> names;
  for (const SettingName& name : kSettings) {
    names.push_back(name.setting == GridSetting::LoraWeight ? std::string("lora:NAME") : name.key);
  }
  return join(names, ", ");
}

std::string GridAxis::title() const {
  const std::string title = setting_name(setting).title;
  return setting == GridSetting::LoraWeight ? title + " (" + lora + ")" : title;
}

std::string GridAxis::label(size_t index) const {
  const std::string& value = values.at(index);
  switch (setting) {
    case GridSetting::Sampler: return sampler_by_name(value).a1111_name;
    case GridSetting::Spacing: return title() + ": " + spacing_label(spacing_by_name(value));
    case GridSetting::PromptReplace:
    case GridSetting::Model: return value;
    default: return title() + ": " + value;
  }
}

GridAxis parse_grid_axis(const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos) {
    throw Error("a grid axis is SETTING=VALUE,VALUE,… (got \"" + text + "\"; settings: " + grid_setting_names() + ")");
  }
  const std::string key = lower(trim(text.substr(0, equals)));
  GridAxis axis;
  bool known = false;
  for (const SettingName& name : kSettings) {
    if (key == name.key || (name.setting == GridSetting::LoraWeight && key.rfind("lora:", 0) == 0)) {
      axis.setting = name.setting;
      known = true;
      break;
    }
  }
  if (!known) throw Error("unknown grid setting \"" + key + "\" (settings: " + grid_setting_names() + ")");
  if (axis.setting == GridSetting::LoraWeight) {
    axis.lora = key.size() > 5 ? trim(text.substr(0, equals)).substr(5) : "";
    if (trim(axis.lora).empty()) throw Error("grid axis lora:NAME needs the LoRA's name, e.g. lora:detail=0,0.5,1");
  }
  const std::vector<std::string> items = split_values(text.substr(equals + 1), key);
  for (const std::string& item : items) {
    if (item.empty() && axis.setting != GridSetting::PromptReplace) {
      throw Error("grid axis " + key + " has an empty value");
    }
  }
  switch (axis.setting) {
    case GridSetting::Sampler:
      for (const std::string& item : items) axis.values.push_back(sampler_by_name(item).name);
      break;
    case GridSetting::Spacing:
      for (const std::string& item : items) axis.values.push_back(spacing_name(spacing_by_name_or_label(item)));
      break;
    case GridSetting::Steps: axis.values = number_values(items, true, limits::kMinSteps, limits::kMaxSteps, key); break;
    case GridSetting::Cfg: axis.values = number_values(items, false, limits::kMinCfg, limits::kMaxCfg, key); break;
    case GridSetting::Seed: {
      axis.values = number_values(items, true, -1, 0x7fffffff, key);
      std::random_device random;
      for (std::string& value : axis.values) {
        if (value == "-1") value = std::to_string(random() & 0x7fffffff);
      }
      break;
    }
    case GridSetting::LoraWeight: axis.values = number_values(items, false, -100, 100, key); break;
    case GridSetting::PromptReplace:
      if (items.front().empty()) throw Error("grid axis prompt: the first value is the text to replace; it is empty");
      axis.values = items;
      break;
    case GridSetting::Schedule:
    case GridSetting::Model: axis.values = items; break;
  }
  if (axis.values.size() > kMaxGridValues) {
    throw Error("grid axis " + key + " has more than " + std::to_string(kMaxGridValues) + " values");
  }
  return axis;
}

void apply_grid_value(Request& request, const GridAxis& axis, size_t index) {
  const std::string& value = axis.values.at(index);
  switch (axis.setting) {
    case GridSetting::Sampler: request.sampler = sampler_by_name(value).id; break;
    case GridSetting::Steps: request.steps = std::stoi(value); break;
    case GridSetting::Cfg: request.cfg_scale = std::stod(value); break;
    case GridSetting::Seed: request.seed = std::stoll(value); break;
    case GridSetting::PromptReplace: {
      const std::string& search = axis.values.front();
      for (std::string* text : {&request.prompt, &request.negative_prompt}) {
        for (size_t at = text->find(search); at != std::string::npos; at = text->find(search, at + value.size())) {
          text->replace(at, search.size(), value);
        }
      }
      break;
    }
    case GridSetting::Spacing: request.spacing = spacing_by_name(value); break;
    case GridSetting::Schedule: request.schedule = value; break;
    case GridSetting::Model: request.model = value; break;
    case GridSetting::LoraWeight:
      request.prompt = with_lora_weight(request.prompt, axis.lora, std::stod(value), true);
      break;
  }
}

std::vector<GridCell> grid_cells(const Request& base, const std::optional<GridAxis>& x,
                                 const std::optional<GridAxis>& y, const std::optional<GridAxis>& z) {
  for (const auto* axis : {&x, &y, &z}) {
    if (*axis && (*axis)->setting == GridSetting::PromptReplace) {
      const std::string& search = (*axis)->values.front();
      if (base.prompt.find(search) == std::string::npos && base.negative_prompt.find(search) == std::string::npos) {
        throw Error("Prompt S/R: \"" + search + "\" is in neither the prompt nor the negative prompt");
      }
    }
  }
  const auto count = [](const std::optional<GridAxis>& axis) { return axis ? axis->values.size() : size_t(1); };
  const size_t cells = count(x) * count(y) * count(z);
  if (cells > kMaxGridCells) {
    throw Error("the grid has " + std::to_string(cells) + " cells; at most " + std::to_string(kMaxGridCells));
  }
  std::vector<GridCell> grid;
  for (size_t k = 0; k < count(z); ++k) {
    for (size_t j = 0; j < count(y); ++j) {
      for (size_t i = 0; i < count(x); ++i) {
        GridCell cell{i, j, k, base};
        // Z, then Y, then X: a prompt S/R on two axes replaces the outer's first.
        if (z) apply_grid_value(cell.request, *z, k);
        if (y) apply_grid_value(cell.request, *y, j);
        if (x) apply_grid_value(cell.request, *x, i);
        grid.push_back(std::move(cell));
      }
    }
  }
  return grid;
}

}  // namespace diffscope
