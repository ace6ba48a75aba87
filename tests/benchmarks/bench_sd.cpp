// bench_sd CHECKPOINT TOKENIZER [--size 256] [--precision float32|bfloat16|float16]
//          [--steps 4] [--device cpu|cuda] [--threads N]
// How fast a Stable Diffusion checkpoint runs here: load time, resident memory
// after loading, seconds per sampling step with CFG 7 (two U-Net passes per
// step, Euler; the first step is warm-up and left out of the median), one
// full VAE decode, and the process's peak resident memory. Numbers go to
// docs/PERFORMANCE.md with the command.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/common/blas_kernels.h"
#include "core/common/runtime.h"
#include "core/common/system_memory.h"
#include "core/pipeline/pipeline.h"

using namespace diffscope;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  ensure_fast_blas_kernels(argv);
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: bench_sd CHECKPOINT TOKENIZER [--size N] [--precision P] [--steps N] [--device D] [--threads N]\n");
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

    std::vector<double> step_s;
    auto last = Clock::now();
    const Result result = pipeline.run(request, [&](const StepEvent&) {
      const auto now = Clock::now();
      step_s.push_back(std::chrono::duration<double>(now - last).count());
      if (std::getenv("BENCH_RSS"))
        std::printf("  step: rss %s peak %s\n", format_bytes(resident_bytes()).c_str(),
                    format_bytes(peak_resident_bytes()).c_str());
      last = now;
    });
    std::vector<double> steady(step_s.begin() + (step_s.size() > 1 ? 1 : 0), step_s.end());
    std::sort(steady.begin(), steady.end());
    start = Clock::now();
    bundle.decode(result.samples);
    const double decode_s = std::chrono::duration<double>(Clock::now() - start).count();

    std::printf("checkpoint  %s\n", request.model.c_str());
    std::printf("device      %s, %s\n", result.device.c_str(), precision_name(request.precision).c_str());
    std::printf("size        %d×%d, CFG 7, %d Euler steps\n", size, size, request.steps);
    std::printf("load        %.2f s, resident %s after loading\n", load_s, format_bytes(loaded_rss).c_str());
    std::printf("step        %.3f s median (%.3f–%.3f), %.2f steps/s\n", steady[steady.size() / 2], steady.front(),
                steady.back(), 1.0 / steady[steady.size() / 2]);
    std::printf("VAE decode  %.3f s\n", decode_s);
    std::printf("peak RSS    %s (%.2f GB)\n", format_bytes(peak_resident_bytes()).c_str(), peak_resident_bytes() / 1e9);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sd: %s\n", e.what());
    return 1;
  }
  return 0;
}
