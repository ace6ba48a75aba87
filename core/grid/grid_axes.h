#pragma once
// A1111's X/Y/Z plot as requests: an axis is a setting and the values it
// takes ("sampler=euler,heun", "cfg=3-9 (+2)", "prompt=apple,banana" — a
// prompt search/replace whose first value is the text replaced), and a grid
// is one request per combination, Z outermost, X innermost.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/pipeline/request.h"

namespace diffscope {

enum class GridSetting { Sampler, Steps, Cfg, Seed, PromptReplace, Spacing, Schedule, Model, LoraWeight };

struct GridAxis {
  GridSetting setting = GridSetting::Sampler;
  std::string lora;                 // LoraWeight: the LoRA whose <lora:NAME:…> weight the values set
  std::vector<std::string> values;  // as they are applied (ranges expanded, -1 seeds drawn)

  // As A1111 names the axis: "Sampler", "CFG Scale", "Prompt S/R", "LoRA weight (NAME)".
  std::string title() const;
  // What the grid writes beside a row or column: "Sampler: Heun", "CFG Scale: 7".
  std::string label(size_t index) const;
};

inline constexpr size_t kMaxGridValues = 64;  // per axis
inline constexpr size_t kMaxGridCells = 256;  // all axes together

// "SETTING=V1,V2,…" with SETTING one of sampler, steps, cfg, seed, prompt (search/replace),
// spacing, schedule, model, lora:NAME. Values are comma-separated, double quotes
// around a value that holds a comma ("a, b" — "" for a quote). Numbers take
// A1111's ranges: "1-5" (step 1), "1-10 (+3)", "10-1 (-3)", "1-10 [4]" (4 values,
// evenly spaced; whole numbers rounded). A seed of -1 is drawn at random, once.
// Error naming the axis and the value for anything else.
GridAxis parse_grid_axis(const std::string& text);

// The names parse_grid_axis takes, for help texts.
std::string grid_setting_names();

// `base` with the axis's value `index` applied. Prompt S/R replaces every
// occurrence in the prompt and the negative prompt; LoRA weight sets (or adds)
// the LoRA's tag in the prompt.
void apply_grid_value(Request& request, const GridAxis& axis, size_t index);

struct GridCell {
  size_t x = 0, y = 0, z = 0;
  Request request;
};

// One request per combination of the axes' values (an absent axis is one
// value that changes nothing), Z outermost, then Y, then X. Error when the
// grid has more than kMaxGridCells cells, or a prompt search/replace's first
// value is in neither prompt (A1111 refuses that too).
std::vector<GridCell> grid_cells(const Request& base, const std::optional<GridAxis>& x,
                                 const std::optional<GridAxis>& y, const std::optional<GridAxis>& z);

}  // namespace diffscope
