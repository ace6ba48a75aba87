#pragma once
// What differs between the two LibTorch lines DiffScope builds against:
// Debian 12's LibTorch 1.13 (CPU) and the 2.x in PyPI's `torch` wheel
// (scripts/build.sh --torch pip). Code elsewhere asks here instead of testing
// TORCH_VERSION_MAJOR itself, so the differences stay in this file and its .cpp.
#include <ATen/core/Tensor.h>
#include <torch/version.h>

#include <cstdint>
#include <string>

namespace diffscope::torch_compat {

// "1.13.0", "2.15.0+cu132", …
std::string version();

// at::scaled_dot_product_attention (LibTorch ≥ 2.0): fused, blocked kernels
// on the CPU and CUDA that never hold the whole score matrix.
constexpr bool kHasFusedAttention = TORCH_VERSION_MAJOR >= 2;

// Whether an attention of `queries` × `keys` scores per head goes through
// fused_attention: where LibTorch has it and the scores are many. On the CPU
// the fused kernel wins for SD's large attentions (512²: 9.6–11.7 against
// 15.5–17.2 s/step) and gains nothing measurable for small ones (the built-in
// model's ≤ 256 × 256, whose run times vary more between runs than between
// the paths), which keep the path both LibTorch lines share
// (docs/PERFORMANCE.md).
// DIFFSCOPE_ATTENTION=fused or unfused forces one path (for benchmarks).
bool use_fused_attention(int64_t queries, int64_t keys);

// softmax(q·kᵀ/√d + mask)·v over the last two dimensions, through the fused
// kernel; q, k, v: (..., tokens, head_dim). Throws where !kHasFusedAttention.
at::Tensor fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask);

// Whether LibTorch has float16 convolution and matrix kernels on the CPU
// (2.x through oneDNN; 1.13 has none for convolutions).
constexpr bool kHasCpuFloat16 = TORCH_VERSION_MAJOR >= 2;

// Whether this LibTorch has CUDA kernels (the wheel's; Debian's has none).
// Whether a GPU is present is at::hasCUDA(), asked at run time.
#ifndef DIFFSCOPE_TORCH_CUDA
#define DIFFSCOPE_TORCH_CUDA 0
#endif
constexpr bool kBuiltWithCuda = DIFFSCOPE_TORCH_CUDA;

}  // namespace diffscope::torch_compat
