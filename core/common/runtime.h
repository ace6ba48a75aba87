#pragma once
// Process-wide start-up settings that LibTorch and glibc get wrong for us, and
// device selection.
#include <c10/core/Device.h>

#include <string>

#include "core/common/device_choice.h"

namespace diffscope {

struct RuntimeOptions {
  int threads = 0;          // 0: $OMP_NUM_THREADS, else the hardware's concurrency
  bool tune_malloc = true;  // keep big buffers in the heap (see runtime.cpp)
};

// Call once at start-up, before the first tensor operation.
void configure_runtime(const RuntimeOptions& options = {});

// Auto picks CUDA when LibTorch sees a GPU, else the CPU; the CPU and CUDA
// (cuda:N) are taken as asked, and CUDA without a GPU is an Error.
c10::Device resolve_device(const DeviceChoice& choice);
// The same for a device's name (parse_device).
c10::Device resolve_device(const std::string& name);

// Whether this CPU has bfloat16 arithmetic instructions (AVX-512 BF16 or
// AMX), where bfloat16 runs Stable Diffusion about twice as fast as float32.
bool cpu_has_bf16_instructions();

// A short description for status lines: "CPU (2 threads)" or "CUDA:0".
std::string describe_device(const c10::Device& device);

}  // namespace diffscope
