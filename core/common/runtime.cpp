#include "core/common/runtime.h"

#include <algorithm>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <malloc.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/common/errors.h"

namespace diffscope {

void configure_runtime(const RuntimeOptions& options) {
  // LibTorch 1.13 as packaged by Debian starts with one intra-op thread.
  int threads = options.threads;
  // OMP_NUM_THREADS, when set, as every OpenMP program honours it: two
  // programs sharing the cores (ctest -j) each ask for a share — otherwise
  // their spinning OpenMP barriers oversubscribe the cores (test_trainer under
  // ASan: 38 s alone, 610 s beside another test).
  const char* omp = std::getenv("OMP_NUM_THREADS");
  if (threads <= 0 && omp != nullptr) threads = std::atoi(omp);
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads > 0) at::set_num_threads(threads);

  if (options.tune_malloc && std::getenv("DIFFSCOPE_DEFAULT_MALLOC") == nullptr) {
    // glibc serves blocks above 128 KiB with mmap and unmaps them on free, and
    // trims the heap top eagerly; a denoising step allocates and frees the same
    // large activations every call, so each call pays page faults again
    // (docs/PERFORMANCE.md measures the difference). Serve them from the heap
    // and keep freed memory for reuse: 32 MiB is glibc's largest mmap threshold.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
    mallopt(M_TOP_PAD, 64 * 1024 * 1024);
  }
}

c10::Device resolve_device(const DeviceChoice& choice) {
  switch (choice.kind) {
    case DeviceChoice::Kind::Auto: return at::hasCUDA() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    case DeviceChoice::Kind::Cpu: return c10::Device(c10::kCPU);
    case DeviceChoice::Kind::Cuda:
      if (!at::hasCUDA()) {
        throw Error("device '" + device_choice_name(choice) + "' was asked for, but this LibTorch sees no CUDA GPU");
      }
      return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(std::max(choice.index, 0)));
  }
  throw Error("unknown device");
}

c10::Device resolve_device(const std::string& name) { return resolve_device(parse_device(name)); }

bool cpu_has_bf16_instructions() {
  static const bool has = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream flags(line);
      for (std::string flag; flags >> flag;) {
        if (flag == "avx512_bf16" || flag == "amx_bf16") return true;
      }
      return false;
    }
    return false;
  }();
  return has;
}

std::string describe_device(const c10::Device& device) {
  if (device.is_cpu()) {
    const int threads = at::get_num_threads();
    return "CPU (" + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
  }
  return device.str();
}

}  // namespace diffscope
