#pragma once
// What DiffScope asks of a CUDA GPU beyond running its kernels: free memory
// for the pre-flight check, the run's peak, step timing on the GPU's own
// clock, and a step's previews copied back with one synchronisation. Real CUDA
// calls where LibTorch has CUDA (torch_compat::kBuiltWithCuda); elsewhere the
// functions report that there is no GPU, and tensors are on the CPU anyway.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

namespace diffscope::cuda {

struct DeviceMemory {
  uint64_t free = 0;  // what the driver reports free plus what LibTorch's cache holds unused
  uint64_t total = 0;
};
// Throws Error for a device that is not a CUDA GPU of this build.
DeviceMemory device_memory(const c10::Device& device);

// Highest memory LibTorch has allocated on `device` since reset_peak (0 on the CPU).
uint64_t peak_allocated(const c10::Device& device);
void reset_peak(const c10::Device& device);

// LibTorch's out-of-memory error on any device (c10::OutOfMemoryError, or the
// CPU allocator's failure, worded differently by each LibTorch line).
bool is_out_of_memory(const std::exception& error);

// Copies tensors to the CPU: from a GPU through pinned host memory, all
// queued at once and waited for once (a step's previews then cost the GPU one
// synchronisation, not one per tensor). CPU tensors come back as they are.
std::vector<at::Tensor> to_host(const std::vector<at::Tensor>& tensors);

// Seconds between marks: on a GPU measured by CUDA events on its stream (the
// work queued between two marks, not when the CPU got there); on the CPU by
// the steady clock. seconds() waits for the last mark's work to finish.
class StepClock {
 public:
  explicit StepClock(const c10::Device& device);
  ~StepClock();
  StepClock(const StepClock&) = delete;
  StepClock& operator=(const StepClock&) = delete;
  void start();
  double seconds();  // since start(); restarts the clock

 private:
  struct Events;
  c10::Device device_;
  std::unique_ptr<Events> events_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace diffscope::cuda
