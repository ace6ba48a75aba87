#pragma once
// Merges LoRAs into a loaded Stable Diffusion model's weights in place:
// W += w·(α/r)·up·down, computed in float32 and added in the compute type, so
// a run with LoRAs costs what a run without them costs. A changed set first
// restores every changed tensor bit for bit from the checkpoint file, then
// merges the new set; a failure or a cancel half-way restores too, so the
// model is never left half-merged.
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/models/adapters/lora_targets.h"
#include "core/models/adapters/lora_use.h"
#include "core/models/sd/weight_store.h"

namespace diffscope {

class LoraMerger {
 public:
  // `store`: the model's, with its U-Net and text-encoder tensors kept.
  LoraMerger(sd::WeightStore& store, const std::string& unet_prefix, const std::vector<LoraTextTower>& towers,
             std::string model_name);

  // Makes the weights the checkpoint's plus `loras`. Returns whether any
  // weight changed (cached text conditioning is then stale). Error naming the
  // LoRA for one that matches nothing here or whose shapes do not fit, and
  // Cancelled: either way the weights are the checkpoint's again.
  bool apply(const std::vector<LoraUse>& loras, const CancelToken& cancel = {});
  const std::vector<AppliedLora>& applied() const { return applied_; }
  // Whether the last change touched a text encoder.
  bool text_changed() const { return text_changed_; }
  // Time and bytes the last apply() took (revert + merge; measured in bench).
  double last_seconds() const { return last_seconds_; }
  const LoraTargetMap& targets() const { return targets_; }

 private:
  struct Stamp {  // a file as it was when merged
    std::filesystem::file_time_type time;
    uintmax_t size = 0;
    bool operator==(const Stamp& o) const { return time == o.time && size == o.size; }
  };
  void revert();
  AppliedLora merge(const LoraUse& use, const CancelToken& cancel);

  sd::WeightStore& store_;
  LoraTargetMap targets_;
  std::string unet_prefix_, model_name_;
  std::vector<AppliedLora> applied_;
  std::vector<Stamp> stamps_;
  std::set<std::string> touched_;
  bool text_changed_ = false;
  double last_seconds_ = 0;
};

}  // namespace diffscope
