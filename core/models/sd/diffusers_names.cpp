#include "core/models/sd/diffusers_names.h"

#include <map>
#include <regex>
#include <set>

namespace diffscope::sd {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Replaces the leading `from` of `name` by `to`, if it starts with it.
std::optional<std::string> swap_prefix(const std::string& name, const std::string& from, const std::string& to) {
  if (!starts_with(name, from)) return std::nullopt;
  return to + name.substr(from.size());
}

std::string unet_resnet_part(const std::string& rest) {
  static const std::map<std::string, std::string> kParts = {
      {"norm1", "in_layers.0"},  {"conv1", "in_layers.2"},  {"time_emb_proj", "emb_layers.1"},
      {"norm2", "out_layers.0"}, {"conv2", "out_layers.3"}, {"conv_shortcut", "skip_connection"}};
  const auto dot = rest.find('.');
  auto it = kParts.find(rest.substr(0, dot));
  return it == kParts.end() ? rest : it->second + rest.substr(dot);
}

std::string vae_attention_part(const std::string& rest) {
  static const std::map<std::string, std::string> kParts = {{"group_norm", "norm"},
                                                            {"to_q", "q"},
                                                            {"query", "q"},
                                                            {"to_k", "k"},
                                                            {"key", "k"},
                                                            {"to_v", "v"},
                                                            {"value", "v"},
                                                            {"to_out.0", "proj_out"},
                                                            {"proj_attn", "proj_out"}};
  for (const auto& [from, to] : kParts) {
    if (starts_with(rest, from + ".")) return to + rest.substr(from.size());
  }
  return rest;
}

}  // namespace

Renamer diffusers_unet_renamer(const SafetensorsFile& unet) {
  // layers_per_block from down_blocks.0's resnets; which up blocks attend.
  std::set<int> resnets, attending_up;
  const std::regex down_resnet(R"(^down_blocks\.0\.resnets\.(\d+)\.)"),
      up_attention(R"(^up_blocks\.(\d+)\.attentions\.)");
  for (const auto& entry : unet.entries()) {
    std::smatch m;
    if (std::regex_search(entry.name, m, down_resnet)) resnets.insert(std::stoi(m[1]));
    if (std::regex_search(entry.name, m, up_attention)) attending_up.insert(std::stoi(m[1]));
  }
  const int per_block = static_cast<int>(resnets.size());
  return [per_block, attending_up](const std::string& name) -> std::optional<std::string> {
    const std::string p = "model.diffusion_model.";
    static const std::regex block(
        R"(^(down|up)_blocks\.(\d+)\.(resnets|attentions|downsamplers|upsamplers)\.(\d+)\.(.*)$)");
    static const std::regex middle(R"(^mid_block\.(resnets|attentions)\.(\d+)\.(.*)$)");
    std::smatch m;
    if (std::regex_match(name, m, block)) {
      const bool down = m[1] == "down";
      const int i = std::stoi(m[2]), j = std::stoi(m[4]);
      const std::string kind = m[3], rest = m[5];
      if (down) {
        const int n = 1 + i * (per_block + 1) + j;
        if (kind == "resnets") return p + "input_blocks." + std::to_string(n) + ".0." + unet_resnet_part(rest);
        if (kind == "attentions") return p + "input_blocks." + std::to_string(n) + ".1." + rest;
        if (kind == "downsamplers") {
          return p + "input_blocks." + std::to_string((i + 1) * (per_block + 1)) + ".0.op." +
                 (starts_with(rest, "conv.") ? rest.substr(5) : rest);
        }
      } else {
        const int n = i * (per_block + 1) + j;
        if (kind == "resnets") return p + "output_blocks." + std::to_string(n) + ".0." + unet_resnet_part(rest);
        if (kind == "attentions") return p + "output_blocks." + std::to_string(n) + ".1." + rest;
        if (kind == "upsamplers") {
          const int slot = attending_up.count(i) != 0 ? 2 : 1;
          return p + "output_blocks." + std::to_string(i * (per_block + 1) + per_block) + "." + std::to_string(slot) +
                 "." + rest;
        }
      }
      return std::nullopt;
    }
    if (std::regex_match(name, m, middle)) {
      const int j = std::stoi(m[2]);
      if (m[1] == "attentions") return p + "middle_block.1." + std::string(m[3]);
      return p + "middle_block." + std::to_string(j == 0 ? 0 : 2) + "." + unet_resnet_part(m[3]);
    }
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"conv_in.", "input_blocks.0.0."},
                                                          {"time_embedding.linear_1.", "time_embed.0."},
                                                          {"time_embedding.linear_2.", "time_embed.2."},
                                                          {"add_embedding.linear_1.", "label_emb.0.0."},
                                                          {"add_embedding.linear_2.", "label_emb.0.2."},
                                                          {"conv_norm_out.", "out.0."},
                                                          {"conv_out.", "out.2."}}) {
      if (auto renamed = swap_prefix(name, from, p + to)) return renamed;
    }
    return std::nullopt;
  };
}

Renamer diffusers_vae_renamer(const SafetensorsFile& vae) {
  std::set<int> up;
  const std::regex up_block(R"(^decoder\.up_blocks\.(\d+)\.)");
  for (const auto& entry : vae.entries()) {
    std::smatch m;
    if (std::regex_search(entry.name, m, up_block)) up.insert(std::stoi(m[1]));
  }
  const int levels = static_cast<int>(up.size());
  return [levels](const std::string& name) -> std::optional<std::string> {
    const std::string p = "first_stage_model.";
    static const std::regex block(
        R"(^(encoder|decoder)\.(down|up)_blocks\.(\d+)\.(resnets|downsamplers|upsamplers)\.(\d+)\.(.*)$)");
    static const std::regex middle(R"(^(encoder|decoder)\.mid_block\.(resnets|attentions)\.(\d+)\.(.*)$)");
    std::smatch m;
    auto resnet_part = [](const std::string& rest) {
      return starts_with(rest, "conv_shortcut.") ? "nin_shortcut." + rest.substr(14) : rest;
    };
    if (std::regex_match(name, m, block)) {
      const std::string coder = m[1], kind = m[4], rest = m[6];
      const int i = std::stoi(m[3]), j = std::stoi(m[5]);
      const bool encoder = coder == "encoder";
      const int level = encoder ? i : levels - 1 - i;
      const std::string l = p + coder + (encoder ? ".down." : ".up.") + std::to_string(level);
      if (kind == "resnets") return l + ".block." + std::to_string(j) + "." + resnet_part(rest);
      if (kind == "downsamplers" && encoder) return l + ".downsample." + rest;
      if (kind == "upsamplers" && !encoder) return l + ".upsample." + rest;
      return std::nullopt;
    }
    if (std::regex_match(name, m, middle)) {
      const std::string coder = m[1], rest = m[4];
      if (m[2] == "attentions") return p + coder + ".mid.attn_1." + vae_attention_part(rest);
      return p + coder + ".mid.block_" + std::to_string(std::stoi(m[3]) + 1) + "." + resnet_part(rest);
    }
    for (const char* coder : {"encoder.", "decoder."}) {
      if (auto renamed = swap_prefix(name, std::string(coder) + "conv_norm_out.", p + coder + "norm_out."))
        return renamed;
      for (const char* same : {"conv_in.", "conv_out."}) {
        if (auto renamed = swap_prefix(name, std::string(coder) + same, p + coder + same)) return renamed;
      }
    }
    for (const char* same : {"quant_conv.", "post_quant_conv."}) {
      if (auto renamed = swap_prefix(name, same, p + same)) return renamed;
    }
    return std::nullopt;
  };
}

std::optional<std::string> diffusers_text_name(const std::string& name) {
  return swap_prefix(name, "text_model.", "cond_stage_model.transformer.text_model.");
}

}  // namespace diffscope::sd
