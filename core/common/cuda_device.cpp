#include "core/common/cuda_device.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <string>

#include "core/common/errors.h"
#include "core/common/torch_compat.h"

#if DIFFSCOPE_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace diffscope::cuda {

namespace {

void require_cuda(const c10::Device& device) {
  if (!device.is_cuda()) throw Error("'" + device.str() + "' is not a CUDA device");
  if (!torch_compat::kBuiltWithCuda) throw Error("this LibTorch (" + torch_compat::version() + ") has no CUDA");
}

#if DIFFSCOPE_TORCH_CUDA
void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw Error(std::string(what) + ": " + cudaGetErrorString(status));
}

// Index 0 of LibTorch's statistics arrays is the aggregate over pool kinds.
constexpr size_t kAggregate = 0;
#endif

}  // namespace

DeviceMemory device_memory(const c10::Device& device) {
  require_cuda(device);
  DeviceMemory memory;
#if DIFFSCOPE_TORCH_CUDA
  c10::cuda::CUDAGuard guard(device.index() < 0 ? 0 : device.index());
  size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(guard.current_device().index());
  const int64_t cached = stats.reserved_bytes[kAggregate].current - stats.allocated_bytes[kAggregate].current;
  memory.free = free + static_cast<uint64_t>(std::max<int64_t>(0, cached));
  memory.total = total;
#endif
  return memory;
}

uint64_t peak_allocated(const c10::Device& device) {
  if (!device.is_cuda()) return 0;
  require_cuda(device);
#if DIFFSCOPE_TORCH_CUDA
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
  return static_cast<uint64_t>(stats.allocated_bytes[kAggregate].peak);
#else
  return 0;
#endif
}

void reset_peak(const c10::Device& device) {
  if (!device.is_cuda()) return;
  require_cuda(device);
#if DIFFSCOPE_TORCH_CUDA
  c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
#endif
}

bool is_out_of_memory(const std::exception& error) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&error) != nullptr) return true;
  const std::string what = error.what();
  // LibTorch 1.13's CPU allocator says "not enough memory", 2.x's "can't allocate memory".
  for (const char* phrase : {"out of memory", "not enough memory", "can't allocate memory"}) {
    if (what.find(phrase) != std::string::npos) return true;
  }
  return false;
}

std::vector<at::Tensor> to_host(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> host;
  host.reserve(tensors.size());
  bool queued = false;
  c10::Device gpu(c10::kCPU);
  for (const at::Tensor& t : tensors) {
    if (!t.defined() || !t.is_cuda()) {
      host.push_back(t);
      continue;
    }
    // Pinned pages let the copy run asynchronously; LibTorch caches them.
    at::Tensor pinned = at::empty(t.sizes(), t.options().device(c10::kCPU).pinned_memory(true));
    pinned.copy_(t, /*non_blocking=*/true);
    host.push_back(pinned);
    queued = true;
    gpu = t.device();
  }
#if DIFFSCOPE_TORCH_CUDA
  if (queued) c10::cuda::getCurrentCUDAStream(gpu.index()).synchronize();
#else
  (void)queued;
#endif
  return host;
}

struct StepClock::Events {
#if DIFFSCOPE_TORCH_CUDA
  cudaEvent_t begin = nullptr, end = nullptr;
#endif
};

StepClock::StepClock(const c10::Device& device) : device_(device), events_(std::make_unique<Events>()) {
#if DIFFSCOPE_TORCH_CUDA
  if (device_.is_cuda()) {
    c10::cuda::CUDAGuard guard(device_.index() < 0 ? 0 : device_.index());
    check(cudaEventCreate(&events_->begin), "cudaEventCreate");
    check(cudaEventCreate(&events_->end), "cudaEventCreate");
  }
#endif
  start();
}

StepClock::~StepClock() {
#if DIFFSCOPE_TORCH_CUDA
  if (events_->begin != nullptr) cudaEventDestroy(events_->begin);
  if (events_->end != nullptr) cudaEventDestroy(events_->end);
#endif
}

void StepClock::start() {
  started_ = std::chrono::steady_clock::now();
#if DIFFSCOPE_TORCH_CUDA
  if (device_.is_cuda()) {
    check(cudaEventRecord(events_->begin, c10::cuda::getCurrentCUDAStream(device_.index()).stream()),
          "cudaEventRecord");
  }
#endif
}

double StepClock::seconds() {
#if DIFFSCOPE_TORCH_CUDA
  if (device_.is_cuda()) {
    check(cudaEventRecord(events_->end, c10::cuda::getCurrentCUDAStream(device_.index()).stream()), "cudaEventRecord");
    check(cudaEventSynchronize(events_->end), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, events_->begin, events_->end), "cudaEventElapsedTime");
    std::swap(events_->begin, events_->end);
    started_ = std::chrono::steady_clock::now();
    return ms / 1000.0;
  }
#endif
  const auto now = std::chrono::steady_clock::now();
  const double s = std::chrono::duration<double>(now - started_).count();
  started_ = now;
  return s;
}

}  // namespace diffscope::cuda
