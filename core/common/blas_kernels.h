#pragma once
// OpenBLAS picks its matrix kernels by CPU model at load time and falls back
// to its generic "Prescott" (SSE3) kernels on CPUs it does not recognise —
// which includes the virtual CPUs many cloud machines report. On such a
// machine LibTorch's matrix products run ~5× slower than they could
// (docs/PERFORMANCE.md). The only remedy is OPENBLAS_CORETYPE in the
// environment before the library loads, so this restarts the program once
// with it set to what the CPU actually supports.

namespace diffscope {

// Call first thing in main(). Returns at once when OpenBLAS is not the BLAS,
// recognised the CPU, or OPENBLAS_CORETYPE is already set; otherwise execs
// this program again with the same arguments (returns only if that fails).
void ensure_fast_blas_kernels(char** argv);

// The OpenBLAS core in use ("SkylakeX", "Prescott", …), or "" when OpenBLAS
// is not loaded.
const char* blas_core_name();

}  // namespace diffscope
