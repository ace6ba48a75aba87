// bench_image_conditioning CHECKPOINT TOKENIZER [--size 512] [--repeats 3]
// What an inpainting model's image conditioning costs per run
// (core/pipeline/image_conditioning.h): one encode of the masked start image
// (or, for txt2img, of a grey one) by the checkpoint's VAE, plus the mask's
// scaling. Any SD or SDXL checkpoint serves (the encode is the VAE's; the
// U-Net's width does not enter). Median of --repeats after one warm-up (the
// first call also loads the VAE's encoder, which the CPU path drops after
// loading). Compare with a step's time (bench_sd) in docs/PERFORMANCE.md.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/common/runtime.h"
#include "core/pipeline/image_conditioning.h"
#include "core/pipeline/model_registry.h"

using namespace diffscope;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_image_conditioning CHECKPOINT TOKENIZER [--size N] [--repeats N]\n");
    return 2;
  }
  int size = 512, repeats = 3;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--size")) size = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  configure_runtime();
  Request request;
  request.model = argv[1];
  request.tokenizer = argv[2];
  request.width = request.height = size;
  const auto load_start = Clock::now();
  auto bundle = model_registry::load(model_registry::find(request.model), request, LoadContext{});
  std::printf("loaded %s in %.1f s\n", bundle->name().c_str(),
              std::chrono::duration<double>(Clock::now() - load_start).count());
  const std::vector<int64_t> shape = bundle->latent_shape(size, size);
  StartImage start;
  start.rgb = start.model_rgb = at::randint(0, 256, {size, size, 3}, at::kByte);
  InpaintMask mask;
  mask.pixels = at::zeros({size, size});
  mask.pixels.slice(1, size / 2).fill_(1.0);
  start.mask = mask;
  for (const auto& [label, image] : std::vector<std::pair<const char*, const StartImage*>>{
           {"txt2img (grey image, full mask)", nullptr}, {"inpainting (masked start image)", &start}}) {
    const auto warm = Clock::now();
    inpainting_image_conditioning(*bundle, image, size, size, shape, c10::kCPU);
    const double first = std::chrono::duration<double>(Clock::now() - warm).count();
    std::vector<double> seconds;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = Clock::now();
      inpainting_image_conditioning(*bundle, image, size, size, shape, c10::kCPU);
      seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    std::printf("%s at %d²: first %.2f s, median %.2f s of %d\n", label, size, first, seconds[seconds.size() / 2],
                repeats);
  }
  return 0;
}
