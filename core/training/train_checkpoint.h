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

struct CheckpointState {
  std::string phase = "autoencoder";  // or "unet"
  int64_t step = 0;                   // steps done in this phase
  int64_t optimizer_steps = 0;
  double seconds = 0;                 // training time so far, over all sessions
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
