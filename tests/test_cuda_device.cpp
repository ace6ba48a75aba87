// The GPU helpers, exercised where this machine can: out-of-memory errors are
// recognised from a real failed allocation, CPU tensors pass through the host
// copy untouched, the step clock measures real time on the CPU, and asking a
// machine without a GPU for its GPU memory is a clear error, not a crash.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/common/cuda_device.h"
#include "core/common/errors.h"

using namespace diffscope;

TEST(CudaDevice, AFailedAllocationIsRecognisedAsOutOfMemory) {
  bool thrown = false;
  try {
    // 4 PiB: no machine has it; LibTorch's allocator throws, the process lives.
    at::Tensor huge = at::empty({int64_t(1) << 52}, at::kByte);
  } catch (const std::exception& e) {
    thrown = true;
    EXPECT_TRUE(cuda::is_out_of_memory(e)) << e.what();
  }
  EXPECT_TRUE(thrown);
  EXPECT_FALSE(cuda::is_out_of_memory(Error("the prompt is too long")));
}

TEST(CudaDevice, HostCopyLeavesCpuTensorsAsTheyAre) {
  const at::Tensor a = at::randn({3, 4}), b = at::arange(5);
  const auto host = cuda::to_host({a, b, at::Tensor()});
  ASSERT_EQ(host.size(), 3u);
  EXPECT_TRUE(host[0].is_same(a));
  EXPECT_TRUE(host[1].is_same(b));
  EXPECT_FALSE(host[2].defined());
}

TEST(CudaDevice, StepClockMeasuresTimeOnTheCpu) {
  cuda::StepClock clock(c10::Device(c10::kCPU));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const double first = clock.seconds();
  EXPECT_GE(first, 0.029);
  EXPECT_LT(first, 5.0);
  EXPECT_LT(clock.seconds(), first);  // restarted by the first reading
}

TEST(CudaDevice, CpuHasNoPeakAndNoDeviceMemory) {
  EXPECT_EQ(cuda::peak_allocated(c10::Device(c10::kCPU)), 0u);
  EXPECT_THROW(cuda::device_memory(c10::Device(c10::kCPU)), Error);
  if (!at::hasCUDA()) {
    EXPECT_THROW(cuda::device_memory(c10::Device(c10::kCUDA, 0)), std::exception);
  } else {
    const cuda::DeviceMemory memory = cuda::device_memory(c10::Device(c10::kCUDA, 0));
    EXPECT_GT(memory.total, 0u);
    EXPECT_LE(memory.free, memory.total);
  }
}
