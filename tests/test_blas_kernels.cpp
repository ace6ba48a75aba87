// OpenBLAS runs its kernels for this CPU, not the generic fallback it picks
// on CPUs it does not know (the test main calls ensure_fast_blas_kernels).
#include "core/common/blas_kernels.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>

using namespace diffscope;

TEST(BlasKernels, OpenBlasUsesTheCpusVectorKernels) {
  at::mm(at::ones({4, 4}), at::ones({4, 4}));  // make sure the BLAS is loaded and initialised
  const std::string core = blas_core_name();
  if (core.empty()) GTEST_SKIP() << "LibTorch does not use OpenBLAS here";
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "no AVX2: the generic kernels are right";
  EXPECT_NE(core, "Prescott");
  EXPECT_NE(core, "Core2");
  EXPECT_NE(core, "Nehalem");
}
