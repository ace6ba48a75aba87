#pragma once
// Distils the built-in model's preview decoder (preview_decoder.h) from its
// real decoder: the student learns to map latents to what the decoder draws
// from them. The latents it sees are the ones the app previews: clean
// encodings of the training images, noisy x_t of the forward process at every
// noise level, and blends of two images' latents (what x̂₀ looks like while the
// model is still unsure). Only the preview decoder is trained; every other
// weight is written back unchanged.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/common/cancel_token.h"
#include "core/common/device_choice.h"
#include "core/models/ldm/ldm_config.h"
#include "core/training/trainer.h"

namespace diffscope::training {

struct PreviewDistillOptions {
  std::filesystem::path model_config, model_weights;  // the trained model
  std::filesystem::path data;                         // diffscope-dataset output
  std::filesystem::path out_dir;                      // <name>.json and <name>.safetensors go here
  DeviceChoice device;                                // parsed where it enters (parse_device)
  uint64_t seed = 0;
  int64_t steps = 3000, batch = 64;
  double lr = 2e-3;
  ldm::PreviewDecoderConfig shape{{48, 24}};
};

struct PreviewDistillSummary {
  std::filesystem::path config_path, weights_path;
  double seconds = 0;
  double loss = 0;  // smoothed, at the end
  // Held-out images (never trained on): PSNR of the preview decoder's image
  // against the real decoder's, from clean latents and from x_t at t = 500.
  double psnr_clean = 0, psnr_noisy = 0;
};

// Throws Error for unusable inputs, Cancelled (writing nothing) when `cancel` fires.
PreviewDistillSummary distill_preview_decoder(const PreviewDistillOptions& options, const ProgressSink& progress = {},
                                              const CancelToken& cancel = {});

}  // namespace diffscope::training
