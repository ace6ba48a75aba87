#include "core/models/adapters/lora_file.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <tuple>

#include "core/common/errors.h"
#include "core/io/file_hash.h"
#include "core/models/sd/sd_checkpoint.h"
#include "core/models/sd/weight_store.h"

namespace diffscope {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Tensor-name marks of adapter kinds that are not a LoRA (LyCORIS and
// others), with the name users know them by.
std::optional<std::string> other_adapter_kind(const std::string& name) {
  static const std::vector<std::pair<std::string, std::string>> kParts = {
      {".hada_w1_", "LoHa"},   {".hada_w2_", "LoHa"},
      {".lokr_w1", "LoKr"},    {".lokr_w2", "LoKr"},
      {".oft_blocks", "OFT"},  {".oft_diag", "OFT"},
      {".dora_scale", "DoRA"}, {".lora_mid.weight", "LoCon with a Tucker mid weight"}};
  static const std::vector<std::pair<std::string, std::string>> kEndings = {
      {".on_input", "(IA)³"},       {".a1.weight", "GLoRA"},        {".b1.weight", "GLoRA"},
      {".diff", "full-difference"}, {".diff_b", "full-difference"}, {".w_norm", "norm-adapter"},
      {".b_norm", "norm-adapter"}};
  for (const auto& [mark, kind] : kParts) {
    if (contains(name, mark)) return kind;
  }
  for (const auto& [mark, kind] : kEndings) {
    if (ends_with(name, mark)) return kind;
  }
  return std::nullopt;
}

enum class Half { Down, Up, Alpha };

// The module key and which half a tensor name is; nullopt when it is not one.
std::optional<std::pair<std::string, Half>> split_name(const std::string& name, LoraFormat& format) {
  struct Suffix {
    const char* text;
    Half half;
    LoraFormat format;
    const char* module_tail;  // appended to the module key (attention processors)
  };
  static const std::vector<Suffix> kSuffixes = {
      {".lora_down.weight", Half::Down, LoraFormat::Kohya, ""},
      {".lora_up.weight", Half::Up, LoraFormat::Kohya, ""},
      {".lora_A.weight", Half::Down, LoraFormat::Diffusers, ""},
      {".lora_B.weight", Half::Up, LoraFormat::Diffusers, ""},
      {".lora.down.weight", Half::Down, LoraFormat::Diffusers, ""},
      {".lora.up.weight", Half::Up, LoraFormat::Diffusers, ""},
      {".lora_linear_layer.down.weight", Half::Down, LoraFormat::Diffusers, ""},
      {".lora_linear_layer.up.weight", Half::Up, LoraFormat::Diffusers, ""},
      {".alpha", Half::Alpha, LoraFormat::Kohya, ""},
  };
  for (const Suffix& suffix : kSuffixes) {
    if (!ends_with(name, suffix.text)) continue;
    std::string key = name.substr(0, name.size() - std::string(suffix.text).size());
    if (suffix.half != Half::Alpha) format = suffix.format;
    return std::make_pair(key, suffix.half);
  }
  // diffusers' attention processors: …attn1.processor.to_q_lora.down.weight
  static const std::vector<std::pair<std::string, std::string>> kProcessor = {{".processor.to_q_lora", ".to_q"},
                                                                              {".processor.to_k_lora", ".to_k"},
                                                                              {".processor.to_v_lora", ".to_v"},
                                                                              {".processor.to_out_lora", ".to_out.0"}};
  for (const auto& [mark, module] : kProcessor) {
    const auto at = name.find(mark);
    if (at == std::string::npos) continue;
    const std::string rest = name.substr(at + mark.size());
    if (rest != ".down.weight" && rest != ".up.weight") continue;
    format = LoraFormat::Diffusers;
    return std::make_pair(name.substr(0, at) + module, rest == ".down.weight" ? Half::Down : Half::Up);
  }
  return std::nullopt;
}

}  // namespace

LoraFile LoraFile::open(const std::filesystem::path& path) {
  LoraFile lora;
  lora.path = path;
  lora.name = path.stem().string();
  lora.file = sd::open_safetensors_file(path);  // refuses pickles with the reason
  struct Halves {
    std::optional<at::Tensor> down, up;
    std::optional<double> alpha;
    std::string down_name;
  };
  std::map<std::string, Halves> halves;
  std::optional<LoraFormat> format;
  for (const SafetensorsEntry& entry : lora.file->entries()) {
    if (const auto kind = other_adapter_kind(entry.name)) {
      throw Error(path.string() + " is a " + *kind + " file (tensor '" + entry.name +
                  "'); DiffScope applies LoRA, LoCon and diffusers/PEFT LoRA files");
    }
    LoraFormat this_format = LoraFormat::Kohya;
    const auto split = split_name(entry.name, this_format);
    if (!split) {
      throw Error(path.string() + ": tensor '" + entry.name +
                  "' is not part of a LoRA (…lora_down/lora_up/alpha or …lora_A/lora_B); not a LoRA file?");
    }
    const auto& [key, half] = *split;
    if (half != Half::Alpha) {
      if (format && *format != this_format) {
        throw Error(path.string() + ": mixes kohya (lora_down/lora_up) and diffusers (lora_A/lora_B) names");
      }
      format = this_format;
    }
    if (entry.dtype != "F32" && entry.dtype != "F16" && entry.dtype != "BF16") {
      throw Error(path.string() + ": tensor '" + entry.name + "' is " + entry.dtype + ", not a float tensor");
    }
    Halves& h = halves[key];
    if (half == Half::Alpha) {
      if (!entry.shape.empty() && !(entry.shape.size() == 1 && entry.shape[0] == 1)) {
        throw Error(path.string() + ": tensor '" + entry.name + "' (alpha) is not a single number");
      }
      const double alpha = lora.file->tensor(entry.name).to(at::kDouble).reshape({}).item<double>();
      if (!std::isfinite(alpha)) throw Error(path.string() + ": tensor '" + entry.name + "' is not finite");
      h.alpha = alpha;
      continue;
    }
    const bool conv = entry.shape.size() == 4;
    if (entry.shape.size() != 2 && !conv) {
      throw Error(path.string() + ": tensor '" + entry.name + "' has shape " + sd::shape_text(entry.shape) +
                  "; a LoRA half is a matrix or a convolution kernel");
    }
    if (half == Half::Up && conv && (entry.shape[2] != 1 || entry.shape[3] != 1)) {
      throw Error(path.string() + ": tensor '" + entry.name + "' has shape " + sd::shape_text(entry.shape) +
                  "; a LoCon up weight is 1×1");
    }
    (half == Half::Down ? h.down : h.up) = lora.file->tensor(entry.name);
    if (half == Half::Down) h.down_name = entry.name;
  }
  if (halves.empty()) throw Error(path.string() + " holds no tensors");
  lora.format = format.value_or(LoraFormat::Kohya);
  for (auto& [key, h] : halves) {
    if (!h.down || !h.up) {
      throw Error(path.string() + ": LoRA module '" + key + "' has no " + (h.down ? "up" : "down") + " weight");
    }
    const int64_t rank = h.down->size(0);
    if (rank < 1 || h.up->size(1) != rank) {
      throw Error(path.string() + ": LoRA module '" + key + "' has down " + sd::shape_text(h.down->sizes().vec()) +
                  " and up " + sd::shape_text(h.up->sizes().vec()) + ", whose ranks differ");
    }
    LoraModule module;
    module.key = key;
    std::tie(module.part, module.path) = lora_module_part(key, path);
    module.down = *h.down;
    module.up = *h.up;
    module.alpha = h.alpha;
    lora.modules.push_back(std::move(module));
  }
  return lora;
}

std::pair<LoraPart, std::string> lora_module_part(const std::string& key, const std::filesystem::path& path) {
  static const std::vector<std::pair<std::string, LoraPart>> kPrefixes = {{"lora_unet_", LoraPart::Unet},
                                                                          {"lora_te1_", LoraPart::TextEncoder},
                                                                          {"lora_te2_", LoraPart::TextEncoder2},
                                                                          {"lora_te_", LoraPart::TextEncoder},
                                                                          {"unet.", LoraPart::Unet},
                                                                          {"text_encoder_2.", LoraPart::TextEncoder2},
                                                                          {"text_encoder.", LoraPart::TextEncoder}};
  std::string k = key;
  if (starts_with(k, "base_model.model.")) k = k.substr(17);  // PEFT's wrapper
  for (const auto& [prefix, part] : kPrefixes) {
    if (starts_with(k, prefix)) return {part, k.substr(prefix.size())};
  }
  throw Error(path.string() + ": LoRA module '" + key +
              "' names no part of a Stable Diffusion model (lora_unet_/lora_te_/lora_te1_/lora_te2_ or "
              "unet./text_encoder./text_encoder_2.)");
}

bool LoraFile::looks_like_lora(const std::filesystem::path& path) {
  try {
    const SafetensorsFile file = SafetensorsFile::open(path);
    for (const SafetensorsEntry& entry : file.entries()) {
      LoraFormat format = LoraFormat::Kohya;
      const auto split = split_name(entry.name, format);
      if (split && split->second != Half::Alpha) return true;
    }
  } catch (const Error&) {
  }
  return false;
}

std::string lora_short_hash(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char length_bytes[8] = {};
  if (!in || !in.read(reinterpret_cast<char*>(length_bytes), 8)) throw Error("cannot read " + path.string());
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | length_bytes[i];
  if (header > kSafetensorsMaxHeader) throw Error(path.string() + ": safetensors header too long");
  return sha256_file(path, 8 + header).substr(0, 12);
}

}  // namespace diffscope
