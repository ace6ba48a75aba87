#pragma once
// Shared by the app's tests: a request small enough (16×16 oracle, CPU) that
// each step takes a few milliseconds.
#include <string>

#include "core/pipeline/request.h"

namespace diffscope::support {

inline Request small_request(const std::string& prompt, int steps) {
  Request r;
  r.model = "oracle";
  r.prompt = prompt;
  r.steps = steps;
  r.width = r.height = 16;
  r.cfg_scale = 1.0;
  r.seed = 7;
  r.device = parse_device("cpu");
  return r;
}

}  // namespace diffscope::support
