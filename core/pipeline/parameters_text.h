#pragma once
// The AUTOMATIC1111-compatible "parameters" text stored in a PNG:
//   prompt
//   Negative prompt: …            (only when non-empty)
//   Steps: 20, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 64x64, Model: oracle, …
// Values containing ',', ':' or a newline are JSON-quoted, as A1111 does.
#include <string>

#include "core/models/model_info.h"
#include "core/pipeline/request.h"

namespace diffscope {

// The parameters of image `index` of a batch (its seed is seed + index), for a
// request as run (Result::request: no "auto" left) on the model `model`
// describes (Result::info): which settings it has decides which are written.
std::string format_parameters(const Request& request, const ModelInfo& model, int index = 0,
                              const std::string& model_hash = "");

// A1111's quoting of one value.
std::string quote_parameter_value(const std::string& value);

}  // namespace diffscope
