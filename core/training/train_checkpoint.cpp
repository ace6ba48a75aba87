#include "core/training/train_checkpoint.h"

#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/io/safetensors.h"

namespace diffscope::training {
namespace {

// The tensors under `prefix`, with the prefix removed.
std::map<std::string, torch::Tensor> with_prefix_removed(const SafetensorsFile& file, const std::string& prefix) {
  std::map<std::string, torch::Tensor> picked;
  for (const auto& entry : file.entries()) {
    if (entry.name.rfind(prefix, 0) == 0) picked.emplace(entry.name.substr(prefix.size()), file.tensor(entry.name));
  }
  return picked;
}

std::string metadata_field(const SafetensorsFile& file, const std::string& key) {
  auto found = file.metadata().find(key);
  if (found == file.metadata().end())
    throw Error(file.path().string() + ": not a training checkpoint (no " + key + ")");
  return found->second;
}

}  // namespace

std::string phase_name(TrainPhase phase) {
  switch (phase) {
    case TrainPhase::Autoencoder: return "autoencoder";
    case TrainPhase::Unet: return "unet";
    case TrainPhase::Decoder: return "decoder";
  }
  return "?";
}

TrainPhase phase_by_name(const std::string& name) {
  for (TrainPhase phase : {TrainPhase::Autoencoder, TrainPhase::Unet, TrainPhase::Decoder}) {
    if (name == phase_name(phase)) return phase;
  }
  throw Error("unknown training phase '" + name + "' (autoencoder, unet or decoder)");
}

void write_checkpoint(const std::filesystem::path& path, const ldm::LdmModel& model, const ldm::LdmModel& ema,
                      const AdamW& optimizer, const CheckpointState& state) {
  std::map<std::string, at::Tensor> tensors;
  for (const auto& [name, tensor] : model.tensors()) tensors.emplace("model." + name, tensor.detach().contiguous());
  for (const auto& [name, tensor] : ema.tensors()) tensors.emplace("ema." + name, tensor.detach().contiguous());
  for (const auto& [name, tensor] : optimizer.state()) tensors.emplace("adam." + name, tensor.contiguous());
  write_safetensors(path, tensors,
                    {{"format", "diffscope-training-checkpoint"},
                     {"phase", phase_name(state.phase)},
                     {"step", std::to_string(state.step)},
                     {"optimizer_steps", std::to_string(state.optimizer_steps)},
                     {"seconds", std::to_string(state.seconds)},
                     {"config", ldm::config_to_json(model.config).dump()}});
}

LoadedCheckpoint read_checkpoint(const std::filesystem::path& path) {
  SafetensorsFile file = SafetensorsFile::open(path);
  if (metadata_field(file, "format") != "diffscope-training-checkpoint") {
    throw Error(path.string() + ": not a DiffScope training checkpoint");
  }
  LoadedCheckpoint loaded;
  try {
    loaded.state.phase = phase_by_name(metadata_field(file, "phase"));
  } catch (const Error& e) {
    throw Error(path.string() + ": " + e.what());
  }
  try {
    loaded.state.step = std::stoll(metadata_field(file, "step"));
    loaded.state.optimizer_steps = std::stoll(metadata_field(file, "optimizer_steps"));
    loaded.state.seconds = std::stod(metadata_field(file, "seconds"));
  } catch (const std::logic_error&) {
    throw Error(path.string() + ": the checkpoint's step counters are not numbers");
  }
  const auto config_json = nlohmann::json::parse(metadata_field(file, "config"), nullptr, false);
  if (config_json.is_discarded()) throw Error(path.string() + ": the checkpoint's config is not JSON");
  const ldm::LdmConfig config = ldm::config_from_json(config_json);
  loaded.model = std::make_shared<ldm::LdmModel>(config);
  loaded.model->load_tensors(with_prefix_removed(file, "model."), path.string() + " (model)");
  loaded.ema = std::make_shared<ldm::LdmModel>(config);
  loaded.ema->load_tensors(with_prefix_removed(file, "ema."), path.string() + " (EMA)");
  // Copies: the mapped file may be replaced by the next checkpoint.
  for (auto& [name, tensor] : with_prefix_removed(file, "adam.")) loaded.optimizer.emplace(name, tensor.clone());
  return loaded;
}

}  // namespace diffscope::training
