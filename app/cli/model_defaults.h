#pragma once
// The options `generate` and `grid` share that the model fills in when left
// open: steps, sampler, spacing, CFG, size, and running a checkpoint as a
// few-step model.
#include <string>

#include "core/pipeline/request.h"

namespace CLI {
class App;
}

namespace diffscope::cli {

struct ModelDefaultOptions {
  // Names as typed, checked by their parsers (parsed_by) when parsed.
  std::string sampler = "auto", spacing = "auto";
  int steps = 0;                  // 0: the model's
  int width = 0, height = 0;      // 0: 64, or a few-step model's own size
  std::string few_step = "auto";  // "auto": as the checkpoint says; else run it as this kind
  double cfg = -1;                // < 0: the model's
  bool fast = false;              // the model's measured fast setting (ModelInfo::fast)
};

// -s/--steps, --sampler, --fast, --few-step, --spacing, --cfg, -W/--width, -H/--height.
void add_model_default_options(CLI::App& command, ModelDefaultOptions& options);

// `request` with what the options leave open taken from its model: its steps
// and sampler, and for few-step models (few_step.h) their size, spacing and
// CFG as well; with --fast, the model's fast setting's steps and sampler (an
// Error when it has none). Prints a line to stderr when the model is a
// few-step one or runs its fast setting.
void apply_model_defaults(Request& request, const ModelDefaultOptions& options);

}  // namespace diffscope::cli
