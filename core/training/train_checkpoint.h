#pragma once
// The trainer's resumable state in one safetensors file: the weights being
// trained ("model.*"), their EMA ("ema.*"), the optimiser's moments
// ("adam.*"), and in the metadata the phase, step, elapsed time and the model
// config (architecture, vocabulary, latent scale).
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/models/ldm/ldm_model.h"
#include "core/training/adamw.h"

namespace diffscope::training {

// The trainer's phases, in order: the autoencoder; the text encoder and U-Net
// on its latents; optionally the decoder alone, encoder frozen.
enum class TrainPhase { Autoencoder, Unet, Decoder };
// "autoencoder", "unet", "decoder": in checkpoints, progress lines and log.csv.
std::string phase_name(TrainPhase phase);
// Error for anything else.
TrainPhase phase_by_name(const std::string& name);

struct CheckpointState {
  TrainPhase phase = TrainPhase::Autoencoder;
  int64_t step = 0;  // steps done in this phase
  int64_t optimizer_steps = 0;
  double seconds = 0;  // training time so far, over all sessions
};

void write_checkpoint(const std::filesystem::path& path, const ldm::LdmModel& model, const ldm::LdmModel& ema,
                      const AdamW& optimizer, const CheckpointState& state);

struct LoadedCheckpoint {
  std::shared_ptr<ldm::LdmModel> model, ema;
  std::map<std::string, torch::Tensor> optimizer;  // for AdamW::load_state
  CheckpointState state;
};

LoadedCheckpoint read_checkpoint(const std::filesystem::path& path);

}  // namespace diffscope::training
