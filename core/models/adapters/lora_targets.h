#pragma once
// Where a LoRA module lands in a loaded model. LoRA files name modules three
// ways: kohya's underscored diffusers names for SD 1.x/2.x
// (`down_blocks_0_attentions_0_…_to_q`), kohya's underscored sgm/CompVis names
// for SDXL (`input_blocks_4_1_…_to_q`), and diffusers/PEFT's dotted diffusers
// names; text encoders always by Hugging Face CLIP names
// (`text_model_encoder_layers_0_self_attn_q_proj`). The model holds CompVis
// names, and OpenCLIP towers (SD 2.x and SDXL's bigG in single files) fuse
// q/k/v into one in_proj weight, so a q, k or v module changes a third of it.
// Matching happens on underscored names, as A1111 does: a dot and an
// underscore are the same character here.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/models/adapters/lora_file.h"

namespace diffscope {

struct LoraTarget {
  std::string tensor;                    // the model's tensor name
  int64_t row_begin = 0, row_count = 0;  // rows changed (0 rows: all of it)
};

// A text encoder of the model and the LoRA part that addresses it.
struct LoraTextTower {
  LoraPart part = LoraPart::TextEncoder;
  std::string prefix;  // "cond_stage_model.transformer." (Hugging Face names below it) or
                       // "cond_stage_model.model." (OpenCLIP names)
  bool open_clip = false;
};

class LoraTargetMap {
 public:
  // `weights`: the model's changeable tensors (2-D linear and 4-D convolution
  // weights of the U-Net under `unet_prefix` and of the towers) with shapes.
  LoraTargetMap(const std::map<std::string, std::vector<int64_t>>& weights, const std::string& unet_prefix,
                const std::vector<LoraTextTower>& towers);

  std::optional<LoraTarget> find(LoraPart part, const std::string& module_path) const;
  // Modules of each part the map knows (for tests and messages).
  size_t size(LoraPart part) const;
  bool has_part(LoraPart part) const { return size(part) != 0; }

 private:
  std::string unet_to_compvis(const std::string& flat) const;

  std::map<LoraPart, std::map<std::string, LoraTarget>> index_;  // underscored names → targets
  int per_block_ = 2;                                            // U-Net: ResBlocks per level
  std::set<int> attending_up_;                                   // diffusers up blocks with attention
};

// "a.b.c" → "a_b_c"
std::string underscored(const std::string& name);

}  // namespace diffscope
