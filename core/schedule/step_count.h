#pragma once
// The one check every σ list makes of the step count it is asked for, so that
// each spacing refuses a bad count with the same words.
#include <string>

#include "core/common/errors.h"

namespace diffscope {

// Lists of more steps than this are refused (beyond any sampler's use; it
// keeps a list's memory bounded). A timestep spacing's limit is the schedule's T.
inline constexpr int kMaxListSteps = 100000;

inline void check_step_count(int steps, int limit = kMaxListSteps) {
  if (steps < 1 || steps > limit) {
    throw Error("the number of steps must be between 1 and " + std::to_string(limit) + ", got " +
                std::to_string(steps));
  }
}

}  // namespace diffscope
