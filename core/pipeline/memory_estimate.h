#pragma once
// How much memory a run will need, checked before it starts: on Linux running
// out of RAM gets the process killed rather than an exception thrown.
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>

#include "core/models/model_info.h"
#include "core/pipeline/request.h"

namespace diffscope {

struct MemoryEstimate {
  uint64_t weights = 0;      // the model (for the oracle: its image set)
  uint64_t activations = 0;  // the largest tensors one model call holds
  uint64_t history = 0;      // every step's x_t, x̂0 and ε̂ kept for the timeline
  uint64_t total() const { return weights + activations + history; }
};

// For `request` on a model described by `info`, computing in `compute_type`.
// `keep_history`: the caller stores every step (the app does; the CLI need not).
MemoryEstimate estimate_run_memory(const Request& request, const ModelInfo& info, at::ScalarType compute_type,
                                   bool keep_history);

// Error with the numbers and what to lower when `estimate` exceeds `available`
// (less a safety margin for the rest of the system). `what`: "memory", or
// "GPU memory" where the run's tensors live on a GPU.
void check_memory(const MemoryEstimate& estimate, uint64_t available, const std::string& what = "memory");

}  // namespace diffscope
