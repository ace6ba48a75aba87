#pragma once
// How much memory a run will need, checked before it starts: on Linux running
// out of RAM gets the process killed rather than an exception thrown.
#include <cstdint>
#include <optional>
#include <string>

#include "core/pipeline/request.h"

namespace diffscope {

struct MemoryEstimate {
  uint64_t weights = 0;      // the model (for the oracle: its image set)
  uint64_t activations = 0;  // the largest tensors one model call holds
  uint64_t history = 0;      // every step's x_t, x̂0 and ε̂ kept for the timeline
  uint64_t total() const { return weights + activations + history; }
};

// `keep_history`: the caller stores every step (the app does; the CLI need not).
MemoryEstimate estimate_run_memory(const Request& request, bool keep_history);

// MemAvailable from /proc/meminfo; nullopt where the system does not say.
std::optional<uint64_t> available_memory_bytes();

// Error with the numbers and what to lower when `estimate` exceeds `available`
// (less a safety margin for the rest of the system).
void check_memory(const MemoryEstimate& estimate, uint64_t available);

// This process's resident memory now and at its peak (VmRSS, VmHWM), 0 where unknown.
uint64_t resident_bytes();
uint64_t peak_resident_bytes();

// "1.2 GB", "350 MB".
std::string format_bytes(uint64_t bytes);

}  // namespace diffscope
