#include "app/cli/model_defaults.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli/cli_common.h"
#include "core/common/errors.h"
#include "core/models/few_step.h"
#include "core/pipeline/model_registry.h"
#include "core/pipeline/request_limits.h"
#include "core/schedule/spacing.h"

namespace diffscope::cli {

void add_model_default_options(CLI::App& cmd, ModelDefaultOptions& o) {
  cmd.add_option("-s,--steps", o.steps, "Sampling steps (default: the model's — 20, a few-step model its own)")
      ->check(CLI::Range(limits::kMinSteps, limits::kMaxSteps));
  cmd.add_option("--sampler", o.sampler,
                 "Sampler (see `samplers`; auto: the model's — Euler, a few-step model its own)")
      ->check(parsed_by(
          [](const std::string& name) {
            if (name != "auto") sampler_by_name(name);
          },
          "SAMPLER"))
      ->capture_default_str();
  cmd.add_flag("--fast", o.fast,
               "The model's fast setting: fewer steps that still give nearly its default picture, with the "
               "sampler they were measured with (the built-in model: 8 steps, DPM++ 2M)");
  cmd.add_option("--few-step", o.few_step,
                 "Run the checkpoint as a few-step model — turbo, lcm or lightning — with that kind's steps, "
                 "sampler, spacing and CFG (auto: when its metadata or name says so)")
      ->check(CLI::IsMember({"auto", "turbo", "lcm", "lightning"}))
      ->capture_default_str();
  std::string spacings = "auto (the sampler's)";
  for (const std::string& name : spacing_names()) spacings += ", " + name;
  cmd.add_option("--spacing", o.spacing, spacings)
      ->check(parsed_by(
          [](const std::string& name) {
            if (name != "auto") spacing_by_name(name);
          },
          "SPACING"))
      ->capture_default_str();
  cmd.add_option("--cfg", o.cfg, "Classifier-free guidance scale (default: the model's)")
      ->check(CLI::Range(limits::kMinCfg, limits::kMaxCfg));
  cmd.add_option("-W,--width", o.width,
                 "Image width (the model says which sizes it draws; default 64, a few-step model its own)")
      ->check(CLI::Range(1, limits::kMaxImageSide));
  cmd.add_option("-H,--height", o.height, "Image height (default 64, a few-step model its own)")
      ->check(CLI::Range(1, limits::kMaxImageSide));
}

void apply_model_defaults(Request& request, const ModelDefaultOptions& o) {
  ModelInfo info = model_registry::describe(request.model);
  const bool forced = o.few_step != "auto";
  if (forced) apply_few_step(info, {few_step_by_name(o.few_step), 0, "--few-step"});
  if (info.few_step != FewStepKind::None) {
    std::fprintf(stderr, "%s is %s, where not set otherwise\n", info.name.c_str(), few_step_summary(info).c_str());
  }
  if (o.fast) {
    if (info.fast.steps == 0) throw Error("the model " + info.name + " has no fast setting (--fast)");
    info.default_steps = info.fast.steps;
    info.default_sampler = info.fast.sampler;
    std::fprintf(stderr, "%s, fast setting: %d steps, %s, where not set otherwise\n", info.name.c_str(),
                 info.fast.steps, sampler_info(info.fast.sampler).a1111_name.c_str());
  }
  request.steps = o.steps > 0 ? o.steps : info.default_steps;
  const int side = info.few_step != FewStepKind::None ? info.sizes.default_side : Request{}.width;
  request.width = o.width > 0 ? o.width : side;
  request.height = o.height > 0 ? o.height : side;
  request.sampler = o.sampler != "auto" ? sampler_by_name(o.sampler).id : info.default_sampler;
  if (o.spacing != "auto") {
    request.spacing = spacing_by_name(o.spacing);
  } else if (forced) {
    request.spacing = info.default_spacing;  // the pipeline would take the file's own
  }
  if (o.cfg >= 0) {
    request.cfg_scale = o.cfg;
  } else if (forced) {
    request.cfg_scale = info.default_cfg;
  }
}

}  // namespace diffscope::cli
