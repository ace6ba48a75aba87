// diffscope-cli bench: per-step time and steps/s of a generation, after a
// warm-up run that loads the model.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/request_limits.h"

namespace diffscope::cli {
namespace {

struct BenchOptions {
  Request request;
  std::string sampler = "euler";  // checked by sampler_by_name when parsed
  double cfg = -1;
  int repeat = 3;
  CommonOptions common;
};

void run_bench(BenchOptions& o) {
  o.request.device = o.common.device_choice();
  o.request.sampler = sampler_by_name(o.sampler).id;
  if (o.cfg >= 0) o.request.cfg_scale = o.cfg;
  const std::string device = apply_common_options(o.common);
  Pipeline pipeline;
  pipeline.run(o.request);  // warm-up: loads the model, fills allocator caches
  std::vector<double> step_seconds;
  double total = 0;
  for (int r = 0; r < o.repeat; ++r) {
    double previous = 0;
    const Result result = pipeline.run(o.request, [&](const StepEvent& event) {
      step_seconds.push_back(event.elapsed - previous);
      previous = event.elapsed;
    });
    total += result.seconds;
  }
  std::sort(step_seconds.begin(), step_seconds.end());
  double mean = 0;
  for (double s : step_seconds) mean += s;
  mean /= static_cast<double>(step_seconds.size());
  const double median = step_seconds[step_seconds.size() / 2];
  std::printf("model %s, %dx%d, batch %d, sampler %s, %d steps, cfg %s, %s\n", o.request.model.c_str(), o.request.width,
              o.request.height, o.request.batch, o.sampler.c_str(), o.request.steps,
              o.cfg >= 0 ? std::to_string(o.cfg).c_str() : "model default", device.c_str());
  std::printf("per step: mean %.3f ms, median %.3f ms, min %.3f ms, max %.3f ms\n", mean * 1e3, median * 1e3,
              step_seconds.front() * 1e3, step_seconds.back() * 1e3);
  std::printf("steps/s: %.1f   whole run (incl. decode): %.3f s mean over %d runs\n", 1.0 / mean, total / o.repeat,
              o.repeat);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  auto& o = *options;
  o.request.steps = 30;
  CLI::App* cmd = app.add_subcommand("bench", "Measure per-step time and steps/s");
  cmd->add_option("-m,--model", o.request.model, "Model")->capture_default_str();
  cmd->add_option("-p,--prompt", o.request.prompt, "Prompt");
  cmd->add_option("-s,--steps", o.request.steps, "Steps per run")
      ->check(CLI::Range(limits::kMinSteps, limits::kMaxSteps))
      ->capture_default_str();
  cmd->add_option("--sampler", o.sampler, "Sampler")
      ->check(parsed_by([](const std::string& name) { sampler_by_name(name); }, "SAMPLER"))
      ->capture_default_str();
  cmd->add_option("--cfg", o.cfg, "CFG scale (default: the model's)")
      ->check(CLI::Range(limits::kMinCfg, limits::kMaxCfg));
  cmd->add_option("-W,--width", o.request.width, "Width")->capture_default_str();
  cmd->add_option("-H,--height", o.request.height, "Height")->capture_default_str();
  cmd->add_option("-b,--batch", o.request.batch, "Batch")
      ->check(CLI::Range(limits::kMinBatch, limits::kMaxBatch))
      ->capture_default_str();
  cmd->add_option("-r,--repeat", o.repeat, "Measured runs")->check(CLI::Range(1, 1000))->capture_default_str();
  add_common_options(*cmd, o.common);
  cmd->callback([options] { run_bench(*options); });
}

}  // namespace diffscope::cli
