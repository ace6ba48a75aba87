#pragma once
// Trains the built-in model from a `diffscope-dataset` file in two phases:
// the autoencoder (reconstruction + a small KL term), then the text encoder and
// U-Net together on the frozen autoencoder's latents (v-prediction, caption
// dropout for classifier-free guidance, EMA weights); optionally a third that
// fine-tunes the decoder alone with the encoder frozen, so the latents the
// U-Net learned stay exactly the same. Held-out images are never trained on. Checkpoints let an interrupted run resume
// where it stopped, with the same batches it would have drawn.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/common/cancel_token.h"
#include "core/common/device_choice.h"
#include "core/models/ldm/ldm_config.h"
#include "core/training/progress.h"

namespace diffscope::training {

struct TrainOptions {
  std::filesystem::path data;     // diffscope-dataset output
  std::filesystem::path out_dir;  // checkpoint, samples, log, final model
  DeviceChoice device;            // parsed where it enters (parse_device)
  uint64_t seed = 0;
  int64_t autoencoder_steps = 3000, unet_steps = 15000;
  int64_t decoder_steps = 0;  // phase 3 (0: none); its batch is autoencoder_batch
  int64_t autoencoder_batch = 32, unet_batch = 64;
  double autoencoder_lr = 1e-3, unet_lr = 5e-4, decoder_lr = 3e-4;
  double kl_weight = 1e-5;
  double ema_decay = 0.999;
  int64_t sample_every = 1000;  // sample grid every N steps (0: only at the end)
  int64_t checkpoint_every = 250;
  bool resume = false;  // continue from out_dir/checkpoint.safetensors
  // When set (a trained model's .json, its .safetensors beside it): take that
  // model's autoencoder, latent scale and preview decoder, skip phase 1, and
  // train a new text encoder and U-Net (architecture.unet) on its latents.
  std::filesystem::path autoencoder_from;
  ldm::LdmConfig architecture;  // the vocabulary is filled in from the data
  // Share of U-Net captions drawn from the data set's phrasings (CLDR names and
  // keywords in several languages; training_caption); their words join the
  // vocabulary. 0: English captions only, as the shipped model was trained.
  double phrasing_share = 0.0;
  // The languages those captions are drawn from (codes as in the data set);
  // empty: all of them.
  std::vector<std::string> phrasing_languages;
  // Draw the U-Net's images so that every emoji comes up equally often,
  // however many skin-tone variants it has (skin_tone_balance.h); false:
  // every trained image equally often, as the models before session 29.
  bool balance_skin_tones = false;
  // Write the CLDR name aliases (name_aliases_from_cldr.h) into the model's
  // config: other languages' names of the emoji, read as the English ones;
  // and the nearest-caption index, so that a prompt in other words is read as
  // the caption it is nearest to (core/models/ldm/nearest_caption.h).
  bool name_aliases = false;
};

// Called after every step (the CLI draws format_progress of it); may be empty.
using ProgressSink = std::function<void(const Progress& progress)>;

struct TrainSummary {
  std::filesystem::path config_path, weights_path;
  double seconds = 0;
  double autoencoder_loss = 0, unet_loss = 0;  // smoothed, at the end
  double decoder_loss = 0;                     // phase 3's, when it ran
};

// Throws Error for unusable data or options, Cancelled (after writing a
// checkpoint) when `cancel` fires.
TrainSummary train_model(const TrainOptions& options, const ProgressSink& progress = {},
                         const CancelToken& cancel = {});

}  // namespace diffscope::training
