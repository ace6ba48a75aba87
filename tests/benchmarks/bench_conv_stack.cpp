// A U-Net-sized convolution stack: four 3×3 convolutions of 320 channels with
// SiLU on a 32×32 latent, batch 2 (Stable Diffusion's first level at 256² with
// CFG). Run with DIFFSCOPE_DEFAULT_MALLOC=1 to see glibc's default allocator
// behaviour against configure_runtime()'s settings.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include "core/common/blas_kernels.h"
#include "core/common/runtime.h"

static void BM_ConvStack(benchmark::State& state) {
  const int64_t channels = 320, side = state.range(0);
  std::vector<at::Tensor> weights, biases;
  for (int i = 0; i < 4; ++i) {
    weights.push_back(at::randn({channels, channels, 3, 3}) * 0.02);
    biases.push_back(at::zeros({channels}));
  }
  const at::Tensor input = at::randn({2, channels, side, side});
  for (auto _ : state) {
    at::Tensor x = input;
    for (int i = 0; i < 4; ++i) x = at::silu(at::conv2d(x, weights[i], biases[i], 1, 1));
    benchmark::DoNotOptimize(x);
  }
  state.counters["threads"] = at::get_num_threads();
}
BENCHMARK(BM_ConvStack)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  diffscope::ensure_fast_blas_kernels(argv);
  diffscope::configure_runtime();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
