// diffscope-cli forward: noise an image to timestep t with the forward process.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/common/image_range.h"
#include "core/data/emoji_set.h"
#include "core/io/png_image.h"
#include "core/sampling/noise_source.h"
#include "core/schedule/forward_process.h"

namespace diffscope::cli {
namespace {

struct ForwardOptions {
  std::string input, output = "forward.png", schedule = "linear";
  double t = 500;
  int64_t seed = 0;
  bool overwrite = false;
  CommonOptions common;
};

void run_forward(const ForwardOptions& o) {
  check_writable(o.output, o.overwrite);
  apply_common_options(o.common);
  const NoiseSchedule schedule = NoiseSchedule::by_name(o.schedule);
  if (o.t < 0 || o.t > schedule.steps() - 1) {
    throw Error("t must lie in 0.." + std::to_string(schedule.steps() - 1));
  }
  const at::Tensor x0 = images_to_model_range(read_png_rgb(o.input).unsqueeze(0));
  NoiseSource noise(o.seed, 1);
  const at::Tensor x_t = forward_diffuse_at(schedule, x0, noise.draw_like(x0), o.t);
  write_png(o.output, to_png_pixels(x_t, 0));
  const double sigma = schedule.sigma_at(o.t);
  std::fprintf(stderr, "t=%g  alpha_bar=%.6g  sigma=%.6g  SNR=%.6g\n", o.t, NoiseSchedule::alpha_bar_of_sigma(sigma),
               sigma, NoiseSchedule::snr_of_sigma(sigma));
  std::printf("%s\n", o.output.c_str());
}

}  // namespace

void add_forward_command(CLI::App& app) {
  auto options = std::make_shared<ForwardOptions>();
  auto& o = *options;
  CLI::App* cmd = app.add_subcommand("forward", "Noise an image to timestep t: x_t = sqrt(abar) x0 + sqrt(1-abar) eps");
  cmd->add_option("-i,--input", o.input, "Input PNG")->required()->check(CLI::ExistingFile);
  cmd->add_option("-t,--timestep", o.t, "Timestep (fractional allowed)")->capture_default_str();
  cmd->add_option("--schedule", o.schedule, "linear, scaled-linear or cosine")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Noise seed")->capture_default_str();
  cmd->add_option("-o,--output", o.output, "Output PNG")->capture_default_str();
  cmd->add_flag("--overwrite", o.overwrite, "Replace an existing output file");
  add_common_options(*cmd, o.common);
  cmd->callback([options] { run_forward(*options); });
}

}  // namespace diffscope::cli
