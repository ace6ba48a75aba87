// diffscope-cli train: trains the built-in latent diffusion model from a
// diffscope-dataset file. Ctrl+C writes a checkpoint; --resume continues it.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <unistd.h>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/training/progress.h"
#include "core/training/trainer.h"

namespace diffscope::cli {
namespace {

struct TrainCommandOptions {
  training::TrainOptions train;
  CommonOptions common;
};

CancelToken& interrupt_token() {
  static CancelToken token;
  return token;
}

extern "C" void on_interrupt(int) { interrupt_token().cancel(); }

void run_train(TrainCommandOptions& o) {
  o.train.device = o.common.device;
  const std::string device = apply_common_options(o.common);
  std::fprintf(stderr, "training on %s; Ctrl+C stops after the current step and writes a checkpoint\n",
               device.c_str());
  CancelToken& cancel = interrupt_token();  // made before the handler can run
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  const bool terminal = isatty(STDERR_FILENO) != 0;
  int64_t lines = 0;
  auto show = [&](const training::Progress& progress) {
    // A terminal gets one redrawn line; a log gets a line every 50 steps.
    const std::string line = training::format_progress(progress);
    const bool phase_done = progress.step == progress.total;
    if (terminal) {
      std::fprintf(stderr, "\r%s%s", line.c_str(), phase_done ? "\n" : "");
    } else if (++lines % 50 == 0 || phase_done) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  };
  const training::TrainSummary summary = training::train_model(o.train, show, cancel);
  std::printf("wrote %s and %s after %s\n", summary.config_path.c_str(), summary.weights_path.c_str(),
              training::format_duration(summary.seconds).c_str());
  // A resumed run knows the smoothed losses of the phases it trained itself only.
  if (summary.autoencoder_loss > 0) std::printf("autoencoder MSE %.5f\n", summary.autoencoder_loss);
  if (summary.unet_loss > 0) std::printf("U-Net loss %.4f\n", summary.unet_loss);
  if (summary.decoder_loss > 0) std::printf("fine-tuned decoder MSE %.5f\n", summary.decoder_loss);
}

}  // namespace

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
                  "Then fine-tune the decoder alone, encoder frozen (0: no third phase)")->capture_default_str();
  cmd->add_option("--ae-batch", t.autoencoder_batch, "Autoencoder batch size")->capture_default_str();
  cmd->add_option("--unet-batch", t.unet_batch, "U-Net batch size")->capture_default_str();
  cmd->add_option("--ae-lr", t.autoencoder_lr, "Autoencoder peak learning rate")->capture_default_str();
  cmd->add_option("--decoder-lr", t.decoder_lr, "Decoder fine-tuning peak learning rate")->capture_default_str();
  cmd->add_option("--unet-lr", t.unet_lr, "U-Net peak learning rate")->capture_default_str();
  cmd->add_option("--ema", t.ema_decay, "EMA decay of the denoiser weights")->capture_default_str();
  cmd->add_option("--sample-every", t.sample_every, "Sample grid every N steps (0: at the end)")
      ->capture_default_str();
  cmd->add_option("--checkpoint-every", t.checkpoint_every, "Checkpoint every N steps")->capture_default_str();
  cmd->add_option("--unet-channels", t.architecture.unet.channels, "U-Net channels at 16², 8², 4²")
      ->expected(3)->capture_default_str();
  cmd->add_option("--decoder-channels", t.architecture.autoencoder.decoder_channels, "Decoder channels")
      ->expected(2)->capture_default_str();
  cmd->add_option("--decoder-blocks", t.architecture.autoencoder.decoder_blocks, "Decoder blocks per level")
      ->capture_default_str();
  cmd->add_option("--text-layers", t.architecture.text.layers, "Text encoder layers")->capture_default_str();
  add_common_options(*cmd, options->common);
  cmd->callback([options] { run_train(*options); });
}

}  // namespace diffscope::cli
