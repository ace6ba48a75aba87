#include "core/models/adapters/lora_targets.h"

#include <algorithm>
#include <regex>

namespace diffscope {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// diffusers' ResnetBlock2D parts → CompVis ResBlock parts (underscored).
std::string resnet_part(const std::string& rest) {
  static const std::map<std::string, std::string> kParts = {
      {"norm1", "in_layers_0"},  {"conv1", "in_layers_2"},  {"time_emb_proj", "emb_layers_1"},
      {"norm2", "out_layers_0"}, {"conv2", "out_layers_3"}, {"conv_shortcut", "skip_connection"}};
  auto it = kParts.find(rest);
  return it == kParts.end() ? rest : it->second;
}

// OpenCLIP's layer parts → the Hugging Face names LoRAs use (underscored).
std::vector<std::pair<std::string, std::string>> open_clip_parts() {
  return {{"attn_out_proj", "self_attn_out_proj"}, {"mlp_c_fc", "mlp_fc1"}, {"mlp_c_proj", "mlp_fc2"}};
}

}  // namespace

std::string underscored(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

LoraTargetMap::LoraTargetMap(const std::map<std::string, std::vector<int64_t>>& weights, const std::string& unet_prefix,
                             const std::vector<LoraTextTower>& towers) {
  for (const auto& [name, shape] : weights) {
    if (shape.size() != 2 && shape.size() != 4) continue;
    if (starts_with(name, unet_prefix) && ends_with(name, ".weight")) {
      const std::string rest = name.substr(unet_prefix.size(), name.size() - unet_prefix.size() - 7);
      index_[LoraPart::Unet][underscored(rest)] = LoraTarget{name};
      continue;
    }
    for (const LoraTextTower& tower : towers) {
      if (!starts_with(name, tower.prefix)) continue;
      const std::string rest = name.substr(tower.prefix.size());
      auto& index = index_[tower.part];
      if (!tower.open_clip) {  // the layers' linears (LoRAs leave the embeddings alone)
        if (rest.find(".encoder.layers.") != std::string::npos && ends_with(rest, ".weight")) {
          index[underscored(rest.substr(0, rest.size() - 7))] = LoraTarget{name};
        }
        break;
      }
      static const std::regex layer(R"(^transformer\.resblocks\.(\d+)\.(.+)$)");
      std::smatch m;
      if (!std::regex_match(rest, m, layer)) break;
      const std::string hf = "text_model_encoder_layers_" + std::string(m[1]) + "_";
      const std::string part = m[2];
      if (part == "attn.in_proj_weight") {
        const int64_t width = shape[0] / 3;
        int64_t begin = 0;
        for (const char* q : {"q", "k", "v"}) {
          index[hf + "self_attn_" + q + "_proj"] = LoraTarget{name, begin, width};
          begin += width;
        }
      } else if (ends_with(part, ".weight")) {
        const std::string flat = underscored(part.substr(0, part.size() - 7));
        for (const auto& [from, to] : open_clip_parts()) {
          if (flat == from) index[hf + to] = LoraTarget{name};
        }
      }
      break;
    }
  }
  // ResBlocks per level: the first downsampler sits right after them.
  const auto& unet = index_[LoraPart::Unet];
  for (int n = 1; n < 64; ++n) {
    if (unet.count("input_blocks_" + std::to_string(n) + "_0_op") != 0) {
      per_block_ = n - 1;
      break;
    }
  }
  for (int i = 0; i < 16; ++i) {
    const std::string first = "output_blocks_" + std::to_string(i * (per_block_ + 1)) + "_1_";
    auto it = unet.lower_bound(first);
    if (it != unet.end() && starts_with(it->first, first)) attending_up_.insert(i);
  }
}

std::string LoraTargetMap::unet_to_compvis(const std::string& flat) const {
  static const std::regex block(R"(^(down|up)_blocks_(\d+)_(resnets|attentions|downsamplers|upsamplers)_(\d+)_(.+)$)");
  static const std::regex middle(R"(^mid_block_(resnets|attentions)_(\d+)_(.+)$)");
  const int step = per_block_ + 1;
  std::smatch m;
  if (std::regex_match(flat, m, block)) {
    const int i = std::stoi(m[2]), j = std::stoi(m[4]);
    const std::string kind = m[3], rest = m[5];
    if (m[1] == "down") {
      const std::string n = std::to_string(1 + i * step + j);
      if (kind == "resnets") return "input_blocks_" + n + "_0_" + resnet_part(rest);
      if (kind == "attentions") return "input_blocks_" + n + "_1_" + rest;
      if (kind == "downsamplers" && rest == "conv") return "input_blocks_" + std::to_string((i + 1) * step) + "_0_op";
      return flat;
    }
    const std::string n = std::to_string(i * step + j);
    if (kind == "resnets") return "output_blocks_" + n + "_0_" + resnet_part(rest);
    if (kind == "attentions") return "output_blocks_" + n + "_1_" + rest;
    if (kind == "upsamplers" && rest == "conv") {
      const int slot = attending_up_.count(i) != 0 ? 2 : 1;
      return "output_blocks_" + std::to_string(i * step + per_block_) + "_" + std::to_string(slot) + "_conv";
    }
    return flat;
  }
  if (std::regex_match(flat, m, middle)) {
    if (m[1] == "attentions") return "middle_block_1_" + std::string(m[3]);
    return "middle_block_" + std::string(std::stoi(m[2]) == 0 ? "0" : "2") + "_" + resnet_part(m[3]);
  }
  static const std::map<std::string, std::string> kFixed = {{"conv_in", "input_blocks_0_0"},
                                                            {"time_embedding_linear_1", "time_embed_0"},
                                                            {"time_embedding_linear_2", "time_embed_2"},
                                                            {"add_embedding_linear_1", "label_emb_0_0"},
                                                            {"add_embedding_linear_2", "label_emb_0_2"},
                                                            {"conv_norm_out", "out_0"},
                                                            {"conv_out", "out_2"}};
  auto it = kFixed.find(flat);
  return it == kFixed.end() ? flat : it->second;
}

std::optional<LoraTarget> LoraTargetMap::find(LoraPart part, const std::string& module_path) const {
  auto part_it = index_.find(part);
  if (part_it == index_.end()) return std::nullopt;
  const auto& index = part_it->second;
  const std::string flat = underscored(module_path);
  if (auto it = index.find(flat); it != index.end()) return it->second;  // sgm/CompVis or text names
  if (part != LoraPart::Unet) return std::nullopt;
  if (auto it = index.find(unet_to_compvis(flat)); it != index.end()) return it->second;
  return std::nullopt;
}

size_t LoraTargetMap::size(LoraPart part) const {
  auto it = index_.find(part);
  return it == index_.end() ? 0 : it->second.size();
}

}  // namespace diffscope
