// diffscope-cli train: trains the built-in latent diffusion model from a
// diffscope-dataset file. Ctrl+C writes a checkpoint; --resume continues it.
// diffscope-cli distill-preview: gives a trained model its preview decoder.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/common/errors.h"
#include "core/data/cldr_annotations.h"
#include "core/models/model_paths.h"
#include "core/pipeline/model_registry.h"
#include "core/sampling/sampler.h"
#include "core/training/preview_distillation.h"
#include "core/training/progress.h"
#include "core/training/trainer.h"

namespace diffscope::cli {
namespace {

struct TrainCommandOptions {
  training::TrainOptions train;
  std::string autoencoder_from;           // a model name (as for -m) or the path of a model's .json
  std::vector<std::string> fast_setting;  // SAMPLER STEPS, checked in run_train
  CommonOptions common;
};

CancelToken& interrupt_token() {
  static CancelToken token;
  return token;
}

extern "C" void on_interrupt(int) { interrupt_token().cancel(); }

// Ctrl+C and SIGTERM fire the returned token.
CancelToken& cancel_on_interrupt() {
  CancelToken& cancel = interrupt_token();  // made before the handler can run
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  return cancel;
}

// A terminal gets one redrawn progress line; a log gets a line every 50 steps.
training::ProgressSink progress_lines() {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  auto lines = std::make_shared<int64_t>(0);
  return [terminal, lines](const training::Progress& progress) {
    const std::string line = training::format_progress(progress);
    const bool phase_done = progress.step == progress.total;
    if (terminal) {
      std::fprintf(stderr, "\r%s%s", line.c_str(), phase_done ? "\n" : "");
    } else if (++*lines % 50 == 0 || phase_done) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  };
}

int64_t parse_fast_steps(const std::string& text) {
  try {
    size_t used = 0;
    const long long steps = std::stoll(text, &used);
    if (used == text.size() && steps >= 1 && steps <= 1000) return steps;
  } catch (const std::exception&) {
  }
  throw Error("--fast-setting: the steps must be a whole number from 1 to 1000, not '" + text + "'");
}

void run_train(TrainCommandOptions& o) {
  o.train.device = o.common.device_choice();
  if (!o.autoencoder_from.empty()) o.train.autoencoder_from = model_registry::builtin_config(o.autoencoder_from);
  if (!o.fast_setting.empty()) {
    auto& fast = o.train.architecture.fast_setting;
    fast.sampler = sampler_by_name(o.fast_setting[0]).name;
    fast.steps = parse_fast_steps(o.fast_setting[1]);
  }
  const std::string device = apply_common_options(o.common);
  std::fprintf(stderr, "training on %s; Ctrl+C stops after the current step and writes a checkpoint\n", device.c_str());
  CancelToken& cancel = cancel_on_interrupt();
  const training::TrainSummary summary = training::train_model(o.train, progress_lines(), cancel);
  std::printf("wrote %s and %s after %s\n", summary.config_path.c_str(), summary.weights_path.c_str(),
              training::format_duration(summary.seconds).c_str());
  // A resumed run knows the smoothed losses of the phases it trained itself only.
  if (summary.autoencoder_loss > 0) std::printf("autoencoder MSE %.5f\n", summary.autoencoder_loss);
  if (summary.unet_loss > 0) std::printf("U-Net loss %.4f\n", summary.unet_loss);
  if (summary.decoder_loss > 0) std::printf("fine-tuned decoder MSE %.5f\n", summary.decoder_loss);
}

struct DistillCommandOptions {
  training::PreviewDistillOptions distill;
  std::string model = kBuiltinModel;
  CommonOptions common;
};

void run_distill(DistillCommandOptions& o) {
  o.distill.device = o.common.device_choice();
  o.distill.model_config = model_registry::builtin_config(o.model);
  o.distill.model_weights = std::filesystem::path(o.distill.model_config).replace_extension(".safetensors");
  const std::string device = apply_common_options(o.common);
  std::fprintf(stderr, "distilling the preview decoder of %s on %s; Ctrl+C stops without writing\n",
               o.distill.model_weights.c_str(), device.c_str());
  CancelToken& cancel = cancel_on_interrupt();
  const training::PreviewDistillSummary summary =
      training::distill_preview_decoder(o.distill, progress_lines(), cancel);
  std::printf("wrote %s and %s after %s\n", summary.config_path.c_str(), summary.weights_path.c_str(),
              training::format_duration(summary.seconds).c_str());
  std::printf(
      "MSE against the real decoder %.5f; held-out PSNR against it: clean latents %.2f dB, x_t at t=500 %.2f dB\n",
      summary.loss, summary.psnr_clean, summary.psnr_noisy);
}

}  // namespace

void add_distill_preview_command(CLI::App& app) {
  auto options = std::make_shared<DistillCommandOptions>();
  auto& d = options->distill;
  CLI::App* cmd =
      app.add_subcommand("distill-preview", "Distil the built-in model's fast preview decoder from its decoder");
  cmd->add_option("-m,--model", options->model, "Trained model to start from")->capture_default_str();
  cmd->add_option("--data", d.data, "Data set written by diffscope-dataset")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", d.out_dir, "Folder for the model with its preview decoder")->required();
  cmd->add_option("--steps", d.steps, "Optimiser steps")->capture_default_str();
  cmd->add_option("--batch", d.batch, "Batch size")->capture_default_str();
  cmd->add_option("--lr", d.lr, "Peak learning rate")->capture_default_str();
  cmd->add_option("--seed", d.seed, "Seed for initialisation and batches")->capture_default_str();
  cmd->add_option("--channels", d.shape.channels, "Preview decoder channels at H/4 and H/2")
      ->expected(2)
      ->capture_default_str();
  add_common_options(*cmd, options->common);
  cmd->callback([options] { run_distill(*options); });
}

void add_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainCommandOptions>();
  auto& t = options->train;
  CLI::App* cmd = app.add_subcommand("train", "Train the built-in latent diffusion model");
  cmd->add_option("--data", t.data, "Data set written by diffscope-dataset")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", t.out_dir, "Folder for checkpoints, samples, log and the model")->required();
  cmd->add_flag("--resume", t.resume, "Continue from <out>/checkpoint.safetensors");
  cmd->add_option("--seed", t.seed, "Seed for initialisation and batches")->capture_default_str();
  cmd->add_option("--ae-steps", t.autoencoder_steps, "Autoencoder steps")->capture_default_str();
  cmd->add_option("--unet-steps", t.unet_steps, "Text encoder + U-Net steps")->capture_default_str();
  cmd->add_option("--decoder-steps", t.decoder_steps,
                  "Then fine-tune the decoder alone, encoder frozen (0: no third phase)")
      ->capture_default_str();
  cmd->add_option("--ae-batch", t.autoencoder_batch, "Autoencoder batch size")->capture_default_str();
  cmd->add_option("--unet-batch", t.unet_batch, "U-Net batch size")->capture_default_str();
  cmd->add_option("--ae-lr", t.autoencoder_lr, "Autoencoder peak learning rate")->capture_default_str();
  cmd->add_option("--decoder-lr", t.decoder_lr, "Decoder fine-tuning peak learning rate")->capture_default_str();
  cmd->add_option("--unet-lr", t.unet_lr, "U-Net peak learning rate")->capture_default_str();
  cmd->add_option("--ema", t.ema_decay, "EMA decay of the denoiser weights")->capture_default_str();
  cmd->add_option("--sample-every", t.sample_every, "Sample grid every N steps (0: at the end)")->capture_default_str();
  cmd->add_option("--checkpoint-every", t.checkpoint_every, "Checkpoint every N steps")->capture_default_str();
  cmd->add_option("--autoencoder-from", options->autoencoder_from,
                  "Keep this trained model's autoencoder and preview decoder (a name, or its .json); "
                  "train only a new text encoder and U-Net");
  cmd->add_option("--unet-channels", t.architecture.unet.channels, "U-Net channels at 16², 8², 4²")
      ->expected(3)
      ->capture_default_str();
  cmd->add_option("--fast-setting", options->fast_setting,
                  "Write this fast setting into the model (SAMPLER STEPS, e.g. dpmpp_2m 8: what the app offers as "
                  "'Fast' and generate --fast runs; measure it with evaluate --same-picture-as)")
      ->expected(2);
  cmd->add_flag("--name-aliases", t.name_aliases,
                "Write the data set's CLDR names in other languages into the model, read as the English names, "
                "and its index of captions, so that other words are read as the nearest caption");
  cmd->add_flag("--balance-skin-tones", t.balance_skin_tones,
                "Draw every emoji equally often in the U-Net phase, however many skin-tone variants it has "
                "(default: every image equally often)");
  cmd->add_flag("--pooled-text", t.architecture.unet.pooled_text,
                "Also feed the prompt's pooled encoding into every U-Net block (with the timestep)");
  cmd->add_option("--decoder-channels", t.architecture.autoencoder.decoder_channels, "Decoder channels")
      ->expected(2)
      ->capture_default_str();
  cmd->add_option("--decoder-blocks", t.architecture.autoencoder.decoder_blocks, "Decoder blocks per level")
      ->capture_default_str();
  cmd->add_option("--text-layers", t.architecture.text.layers, "Text encoder layers")->capture_default_str();
  cmd->add_option("--phrasings", t.phrasing_share,
                  "Share of captions in people's words: CLDR names and keywords in several languages")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--phrasing-languages", t.phrasing_languages,
                  "Draw those captions from these languages only (e.g. en; default: all of the data set's)")
      ->check(CLI::IsMember(caption_languages()));
  cmd->add_option_function<std::string>(
         "--word-split",
         [options](const std::string& name) {
           options->train.architecture.text.word_split = ldm::word_split_by_name(name);
         },
         "How prompts are cut into words: bytes (the first models) or unicode (any language, CJK by character)")
      ->check(CLI::IsMember({"bytes", "unicode"}));
  add_common_options(*cmd, options->common);
  cmd->callback([options] { run_train(*options); });
}

}  // namespace diffscope::cli
