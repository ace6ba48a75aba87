// What the NaN/Inf checks (core/pipeline/numeric_faults.h) cost per run at
// SD 1.5's 512²: one check of a step's x̂0 (1×4×64×64 latents, batch 1 and 4)
// and one of the decoded image (1×3×512×512), in float32 and bfloat16. Compare
// with a step's time in docs/PERFORMANCE.md (seconds).
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "core/common/runtime.h"
#include "core/pipeline/numeric_faults.h"

namespace {

void check_tensor(benchmark::State& state, std::vector<int64_t> shape, at::ScalarType type) {
  diffscope::configure_runtime();  // 2 threads on this VM, as a run uses
  const at::Tensor x = at::randn(shape).to(type);
  for (auto _ : state) benchmark::DoNotOptimize(diffscope::all_finite(x));
}

}  // namespace

BENCHMARK_CAPTURE(check_tensor, step_latents_512_f32, {1, 4, 64, 64}, at::kFloat)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(check_tensor, step_latents_512_batch4_f32, {4, 4, 64, 64}, at::kFloat)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(check_tensor, step_latents_512_bf16, {1, 4, 64, 64}, at::kBFloat16)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(check_tensor, decoded_image_512_f32, {1, 3, 512, 512}, at::kFloat)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
