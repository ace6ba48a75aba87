// bench_sd CHECKPOINT TOKENIZER [--size 256] [--precision float32|bfloat16|float16]
//          [--steps 4] [--batch 1] [--device cpu|cuda] [--threads N]
//          [--reference PNG] [--out PNG] [--lora FILE] [--preview-decoder FILE|none]
//          [--word-maps on|off]
// How fast a Stable Diffusion checkpoint runs here: load time, resident memory
// after loading, seconds per sampling step with CFG 7 (two U-Net passes per
// step, Euler; the first step is warm-up and left out of the median; on CUDA
// timed by CUDA events), the first step's latency from the run's start, one
// full VAE decode, and the process's (and the GPU's) peak memory. The prompt,
// seed and sampler are the SD 1.5 conformance case's: --reference compares the
// image with stable-diffusion.cpp's (PSNR; scripts/gpu-check.sh uses it on
// CUDA). --lora: how long merging a LoRA into the loaded weights takes, taking
// it out again (restoring the checkpoint's values) and merging it once more,
// and the resident memory after each. "preview": one step's x_t and x̂0
// previews as the app makes them (the latent projection, or TAESD with
// --preview-decoder or a taesd_decoder.safetensors beside the checkpoint),
// median of 5. --word-maps on: every step records word heat maps (their
// cost is in the step time). Numbers go to docs/PERFORMANCE.md with
// the command.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/common/blas_kernels.h"
#include "core/common/cuda_device.h"
#include "core/common/runtime.h"
#include "core/common/system_memory.h"
#include "core/io/png_image.h"
#include "core/pipeline/pipeline.h"

using namespace diffscope;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  ensure_fast_blas_kernels(argv);
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: bench_sd CHECKPOINT TOKENIZER [--size N] [--precision P] [--steps N] [--batch N] [--device D]\n"
        "                [--threads N] [--reference PNG] [--out PNG] [--lora FILE]\n"
        "                [--preview-decoder FILE|none] [--word-maps on|off]\n");
    return 2;
  }
  Request request;
  request.model = argv[1];
  request.tokenizer = argv[2];
  request.prompt = "a lovely cat";
  request.seed = 42;
  request.steps = 4;
  request.cfg_scale = 7.0;
  request.sampler = SamplerId::Euler;
  request.precision = Precision::Float32;
  int size = 256, threads = 0;
  std::string reference, out, lora;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--size")
      size = std::atoi(argv[i + 1]);
    else if (flag == "--precision")
      request.precision = parse_precision(argv[i + 1]);
    else if (flag == "--steps")
      request.steps = std::atoi(argv[i + 1]);
    else if (flag == "--device")
      request.device = parse_device(argv[i + 1]);
    else if (flag == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (flag == "--batch")
      request.batch = std::atoi(argv[i + 1]);
    else if (flag == "--reference")
      reference = argv[i + 1];
    else if (flag == "--out")
      out = argv[i + 1];
    else if (flag == "--lora")
      lora = argv[i + 1];
    else if (flag == "--preview-decoder")
      request.preview_decoder = argv[i + 1];
    else if (flag == "--word-maps")
      request.word_maps = std::string(argv[i + 1]) == "on";
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  request.width = request.height = size;
  RuntimeOptions runtime;
  runtime.threads = threads;
  configure_runtime(runtime);
  try {
    Pipeline pipeline;
    auto start = Clock::now();
    ModelBundle& bundle = pipeline.prepare(request);
    const double load_s = std::chrono::duration<double>(Clock::now() - start).count();
    const uint64_t loaded_rss = resident_bytes();
    if (!lora.empty()) {
      const std::vector<LoraUse> with{LoraUse{"bench", lora, 1.0, 1.0}};
      for (const char* what : {"merge", "take out", "merge again"}) {
        const auto t0 = Clock::now();
        bundle.set_loras(std::string(what) == "take out" ? std::vector<LoraUse>{} : with, {});
        std::printf("LoRA %-11s %.2f s, resident %s\n", what, std::chrono::duration<double>(Clock::now() - t0).count(),
                    format_bytes(resident_bytes()).c_str());
      }
    }

    const c10::Device device = Pipeline::plan(request).device;
    cuda::reset_peak(device);
    std::vector<double> step_s;
    double first_step_latency = 0;
    const auto run_start = Clock::now();
    cuda::StepClock clock(device);
    const Result result = pipeline.run(request, [&](const StepEvent&) {
      step_s.push_back(clock.seconds());  // waits for the step's GPU work
      if (step_s.size() == 1) first_step_latency = std::chrono::duration<double>(Clock::now() - run_start).count();
      if (std::getenv("BENCH_RSS"))
        std::printf("  step: rss %s peak %s\n", format_bytes(resident_bytes()).c_str(),
                    format_bytes(peak_resident_bytes()).c_str());
    });
    std::vector<double> steady(step_s.begin() + (step_s.size() > 1 ? 1 : 0), step_s.end());
    std::sort(steady.begin(), steady.end());
    cuda::StepClock decode_clock(device);
    bundle.decode(result.samples);
    const double decode_s = decode_clock.seconds();
    std::vector<double> preview_s;
    for (int i = 0; i < 5; ++i) {
      cuda::StepClock preview_clock(device);
      bundle.preview(at::cat({result.samples, result.samples}));
      preview_s.push_back(preview_clock.seconds());
    }
    std::sort(preview_s.begin(), preview_s.end());

    std::printf("checkpoint  %s\n", request.model.c_str());
    std::printf("device      %s, %s\n", result.device.c_str(), precision_name(request.precision).c_str());
    std::printf("size        %d×%d, batch %d, CFG 7, %d Euler steps%s\n", size, size, request.batch, request.steps,
                request.word_maps ? ", recording word heat maps" : "");
    std::printf("load        %.2f s, resident %s after loading\n", load_s, format_bytes(loaded_rss).c_str());
    std::printf("step        %.4f s median (%.4f–%.4f), %.2f steps/s\n", steady[steady.size() / 2], steady.front(),
                steady.back(), 1.0 / steady[steady.size() / 2]);
    std::printf("first step  %.3f s after the run started (text encoding included)\n", first_step_latency);
    std::printf("VAE decode  %.3f s\n", decode_s);
    std::printf("preview     %.4f s median for one step's x_t and x̂0 (%s)\n", preview_s[2],
                bundle.info().preview_note.c_str());
    std::printf("peak RSS    %s (%.2f GB)\n", format_bytes(peak_resident_bytes()).c_str(), peak_resident_bytes() / 1e9);
    if (device.is_cuda()) std::printf("peak GPU    %.2f GB allocated\n", cuda::peak_allocated(device) / 1e9);
    if (!out.empty()) write_png(out, result.images[0], {});
    if (!reference.empty()) {
      const at::Tensor expected = read_png_rgb(reference).to(at::kDouble);
      const at::Tensor got = result.images[0].to(at::kDouble);
      if (expected.sizes() != got.sizes()) throw std::runtime_error("the reference image has another size");
      const double mse = (expected - got).pow(2).mean().item<double>();
      std::printf("PSNR        %.2f dB against %s\n", mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse),
                  reference.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sd: %s\n", e.what());
    return 1;
  }
  return 0;
}
