// What inpainting costs (core/pipeline/inpaint_mask.h, core/sampling/
// masked_denoiser.h): the mask's blur once per run at SD's 512² and SDXL's
// 1024² (A1111's default blur 4 and its slider's end, 64), its scaling to
// the latent, and the blend each model call adds (SD 1.5's 4×64×64 latents,
// SDXL's 4×128×128), and masked content "fill" (masked_content.h: six
// Pillow-style blurs of the image, once per run, before the encode) over a
// mask of the right half; and a start image of another size fitted to the
// run (resize_mode.h, once per run, before the encode): a 12-megapixel
// phone photo (4032×3024) to 512² and 1024², stretched or cropped, and a
// 512² image enlarged to 1024². Compare with a step's time in
// docs/PERFORMANCE.md.
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "core/common/runtime.h"
#include "core/pipeline/inpaint_mask.h"
#include "core/pipeline/masked_content.h"
#include "core/pipeline/resize_mode.h"
#include "core/sampling/masked_denoiser.h"

namespace {

at::Tensor random_mask(int64_t side) { return (at::rand({side, side}) > 0.5).to(at::kFloat); }

void blur(benchmark::State& state) {
  diffscope::configure_runtime();  // 2 threads on this VM, as a run uses
  const at::Tensor mask = random_mask(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(diffscope::blur_mask(mask, double(state.range(1))));
}

void to_latent(benchmark::State& state) {
  diffscope::configure_runtime();
  const at::Tensor mask = random_mask(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(diffscope::latent_mask(mask, state.range(0) / 8, state.range(0) / 8));
}

void blend_per_call(benchmark::State& state) {
  diffscope::configure_runtime();
  const int64_t side = state.range(0) / 8;
  const at::Tensor x0 = at::randn({1, 4, side, side}), known = at::randn({1, 4, side, side});
  const at::Tensor repaint = (at::rand({1, 1, side, side}) > 0.5).to(at::kFloat);
  for (auto _ : state) benchmark::DoNotOptimize(diffscope::keep_known(x0, known, repaint));
}

void fill(benchmark::State& state) {
  diffscope::configure_runtime();
  const int64_t side = state.range(0);
  const at::Tensor rgb = at::randint(0, 256, {side, side, 3}, at::kByte);
  at::Tensor mask = at::zeros({side, side});
  mask.slice(1, side / 2).fill_(1.0);
  for (auto _ : state) benchmark::DoNotOptimize(diffscope::fill_masked_area(rgb, mask));
}

// Args: the image's width and height, the run's side, the ResizeMode.
void fit_start_image(benchmark::State& state) {
  diffscope::configure_runtime();
  const at::Tensor rgb = at::randint(0, 256, {state.range(1), state.range(0), 3}, at::kByte);
  const auto mode = static_cast<diffscope::ResizeMode>(state.range(3));
  const int side = static_cast<int>(state.range(2));
  for (auto _ : state) benchmark::DoNotOptimize(diffscope::fit_to_size(rgb, mode, side, side));
}

}  // namespace

BENCHMARK(fill)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(blur)->Args({512, 4})->Args({512, 64})->Args({1024, 4})->Args({1024, 64})->Unit(benchmark::kMillisecond);
BENCHMARK(to_latent)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(blend_per_call)->Arg(512)->Arg(1024)->Unit(benchmark::kMicrosecond);
BENCHMARK(fit_start_image)
    ->Args({4032, 3024, 512, 0})
    ->Args({4032, 3024, 512, 1})
    ->Args({4032, 3024, 1024, 1})
    ->Args({512, 512, 1024, 0})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
