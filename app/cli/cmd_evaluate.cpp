// diffscope-cli evaluate: the built-in model's quality numbers (model card)
// and a 4×4 grid of generated images.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/common/errors.h"
#include "core/common/runtime.h"
#include "core/data/emoji_pairs.h"
#include "core/data/pair_captions.h"
#include "core/evaluation/held_out_prompts.h"
#include "core/evaluation/model_evaluation.h"
#include "core/io/atomic_file.h"
#include "core/io/png_image.h"
#include "core/models/model_paths.h"
#include "core/pipeline/model_registry.h"
#include "core/pipeline/pipeline.h"
#include "core/training/sample_grid.h"

namespace diffscope::cli {
namespace {

struct EvaluateOptions {
  std::filesystem::path data, report, grid;
  std::filesystem::path held_out, held_out_report;  // the held-out prompt set and its JSON
  int seeds = 3;
  bool only_held_out = false;
  std::string model = kBuiltinModel;
  std::filesystem::path model_dir;  // empty: the usual search folders
  evaluation::EvaluationOptions evaluation;
  std::string sampler = "euler";  // checked by sampler_by_name when parsed
  double cfg = -1;
  int same_picture_steps = 0;  // > 0: compare with Euler at this many steps
  CommonOptions common;
};

void write_grid(LdmBundle& bundle, const EmojiPairs& pairs, const EvaluateOptions& o) {
  std::vector<at::Tensor> images;
  std::printf("grid prompts (row by row):\n");
  for (int64_t index : evaluation::fidelity_picks(pairs, 16)) {
    Request request = o.evaluation.sampling;
    request.prompt = styled_prompt(pairs, index);
    request.seed = static_cast<int64_t>(images.size());
    images.push_back(Pipeline::run_on(bundle, bundle.model().device(), request).images);
    std::printf("  %2zu. %s\n", images.size(), request.prompt.c_str());
  }
  write_png(o.grid, training::make_grid(at::cat(images), 4));
  std::printf("wrote %s\n", o.grid.c_str());
}

void run_held_out(LdmBundle& bundle, const EmojiPairs& pairs, const EvaluateOptions& o) {
  const auto prompts = evaluation::read_held_out_prompts(o.held_out);
  const auto report = evaluation::evaluate_held_out(bundle, pairs, prompts, o.seeds, o.evaluation,
                                                    [](const std::string& what, int done, int total) {
                                                      std::fprintf(stderr, "\r%s: %d/%d   ", what.c_str(), done, total);
                                                    });
  std::fprintf(stderr, "\n");
  std::printf(
      "held-out prompts (%s, seeds 0-%d, top-%d): hit = a target among the nearest images, "
      "coarse = the same on 16x16 box-filtered images\n",
      o.held_out.filename().c_str(), report.seeds - 1, o.evaluation.top_k);
  const auto print = [](const evaluation::GroupScore& g) {
    const double runs = std::max(1, g.runs);
    std::printf("  %-14s %3d prompts  hit %5.1f %%  coarse %5.1f %%  %3d with unknown words\n", g.group.c_str(),
                g.prompts, 100.0 * g.hits / runs, 100.0 * g.coarse_hits / runs, g.prompts_with_unknown_words);
  };
  for (const auto& group : report.groups) print(group);
  print(report.overall);
  if (!o.held_out_report.empty())
    write_file_atomically(o.held_out_report, evaluation::held_out_json(report, o.evaluation));
}

void run_evaluate(EvaluateOptions& o) {
  const std::string device_text = apply_common_options(o.common);
  if (o.cfg >= 0) o.evaluation.sampling.cfg_scale = o.cfg;
  o.evaluation.sampling.sampler = sampler_by_name(o.sampler).id;
  const std::filesystem::path dir =
      o.model_dir.empty() ? model_registry::builtin_config(o.model).parent_path() : o.model_dir;
  const c10::Device device = resolve_device(o.common.device_choice());
  auto bundle = LdmBundle::load(dir, o.model, device);
  const ModelInfo info = bundle->info();
  bundle->set_compute_type(resolve_precision(Precision::Auto, info, device));
  bundle->set_prompt_as_written(o.evaluation.sampling.prompt_as_written);
  if (!o.evaluation.sampling.cfg_scale) o.evaluation.sampling.cfg_scale = info.default_cfg;
  if (o.same_picture_steps > 0) {
    o.evaluation.reference = o.evaluation.sampling;
    o.evaluation.reference->sampler = SamplerId::Euler;
    o.evaluation.reference->steps = o.same_picture_steps;
  }
  const EmojiPairs pairs = load_emoji_pairs(o.data);
  std::fprintf(stderr, "evaluating %s on %s in %s\n", o.model.c_str(), device_text.c_str(),
               bundle->compute_type() == at::kBFloat16 ? "bfloat16" : "float32");
  if (!o.held_out.empty()) run_held_out(*bundle, pairs, o);
  if (o.only_held_out) return;
  const auto report =
      evaluation::evaluate_model(*bundle, pairs, o.evaluation, [](const std::string& what, int done, int total) {
        std::fprintf(stderr, "\r%s: %d/%d   ", what.c_str(), done, total);
      });
  std::fprintf(stderr, "\n");
  std::printf("autoencoder PSNR on %d held-out images: %.2f dB (worst %.2f dB)\n", report.held_out_images,
              report.autoencoder_psnr, report.autoencoder_psnr_min);
  std::string language;
  if (!o.evaluation.prompt_language.empty()) {
    language = ", names in " + o.evaluation.prompt_language + ": " + std::to_string(report.prompts_in_language) +
               " of them, English for the rest";
  }
  std::printf("prompt fidelity (%zu prompts, top-%d%s): %.1f %%\n", report.fidelity_runs.size(), o.evaluation.top_k,
              language.c_str(), 100 * report.fidelity);
  if (o.evaluation.reference) {
    std::printf("same picture as %d Euler steps: PSNR median %.2f dB, mean %.2f dB; their prompt fidelity %.1f %%\n",
                o.same_picture_steps, report.reference_psnr_median, report.reference_psnr_mean,
                100 * report.reference_fidelity);
  }
  std::printf("held-out styles (%zu prompts): own held-out image in top-%d %.1f %%, either style %.1f %%\n",
              report.held_out_runs.size(), o.evaluation.top_k, 100 * report.held_out_style,
              100 * report.held_out_any_style);
  std::printf("took %.0f s\n", report.seconds);
  if (!o.report.empty()) write_file_atomically(o.report, evaluation::report_json(report, o.evaluation));
  if (!o.grid.empty()) write_grid(*bundle, pairs, o);
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto options = std::make_shared<EvaluateOptions>();
  auto& o = *options;
  o.evaluation.sampling.steps = 30;
  CLI::App* cmd = app.add_subcommand("evaluate", "Measure the built-in model (model card numbers)");
  cmd->add_option("--data", o.data, "Data set written by diffscope-dataset")->required()->check(CLI::ExistingFile);
  cmd->add_option("--model", o.model, "Model name")->capture_default_str();
  cmd->add_option("--model-dir", o.model_dir, "Folder holding <model>.json and .safetensors");
  cmd->add_option("--prompts", o.evaluation.fidelity_prompts, "Prompt-fidelity prompts")->capture_default_str();
  cmd->add_option("--top-k", o.evaluation.top_k, "Nearest images counted")->capture_default_str();
  cmd->add_option("--prompt-language", o.evaluation.prompt_language,
                  "Ask for each prompt-fidelity emoji by its CLDR name in this language (de, zh, es, fr, ja, ...)");
  cmd->add_option("--sampler", o.sampler, "Sampler")
      ->check(parsed_by([](const std::string& name) { sampler_by_name(name); }, "SAMPLER"))
      ->capture_default_str();
  cmd->add_option("--steps", o.evaluation.sampling.steps, "Steps")->capture_default_str();
  cmd->add_option("--cfg", o.cfg, "CFG scale (default: the model's)");
  cmd->add_flag("--as-written", o.evaluation.sampling.prompt_as_written,
                "Read every prompt as written, never as the training caption nearest to it");
  cmd->add_option("--same-picture-as", o.same_picture_steps,
                  "Also make each prompt-fidelity image with Euler at this many steps (same prompt, seed, CFG) "
                  "and report the PSNR between the two: does a fast setting draw the same picture?")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--report", o.report, "Write the full report as JSON here");
  cmd->add_option("--held-out", o.held_out,
                  "Also generate this held-out prompt set (resources/evaluation/held-out-prompts.tsv)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--seeds", o.seeds, "Seeds per held-out prompt (0, 1, ...)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--held-out-report", o.held_out_report, "Write the held-out prompts' report as JSON here");
  cmd->add_flag("--only-held-out", o.only_held_out, "Skip the autoencoder, training-name and held-out-style measures");
  cmd->add_option("--grid", o.grid, "Write a 4x4 grid of generated images here (PNG)");
  add_common_options(*cmd, o.common);
  cmd->callback([options] { run_evaluate(*options); });
}

}  // namespace diffscope::cli
