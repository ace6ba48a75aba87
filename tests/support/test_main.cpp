// The tests run with the same start-up settings as the programs (thread count,
// malloc tuning), so that they exercise what users run.
#include <gtest/gtest.h>

#include "core/common/blas_kernels.h"
#include "core/common/runtime.h"

int main(int argc, char** argv) {
  diffscope::ensure_fast_blas_kernels(argv);
  ::testing::InitGoogleTest(&argc, argv);
  diffscope::configure_runtime();
  return RUN_ALL_TESTS();
}
