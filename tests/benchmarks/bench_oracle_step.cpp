// One oracle denoiser call at 64×64 on the emoji set (1,794 images): the cost
// of one step of the app's first model. Batch 2 is a step with CFG.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include "core/common/blas_kernels.h"
#include "core/common/image_range.h"
#include "core/common/runtime.h"
#include "core/data/emoji_set.h"
#include "core/models/oracle.h"
#include "core/sampling/network_denoiser.h"

using namespace diffscope;

static void BM_OracleDenoise(benchmark::State& state) {
  static const ImageSet set = load_default_image_set();
  const auto schedule = NoiseSchedule::linear();
  OracleNetwork oracle(images_to_model_range(set.images), schedule);
  const int64_t batch = state.range(0);
  NetworkDenoiser denoiser(oracle, schedule, Guidance{oracle.unconditional(), {}, 1.0});
  const at::Tensor x = at::randn({batch, 3, 64, 64}) * 3.0;
  for (auto _ : state) benchmark::DoNotOptimize(denoiser.denoise(x, 3.0));
  state.counters["threads"] = at::get_num_threads();
}
BENCHMARK(BM_OracleDenoise)->Arg(1)->Arg(2)->Arg(10)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  diffscope::ensure_fast_blas_kernels(argv);
  configure_runtime();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
