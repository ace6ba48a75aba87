#pragma once
// A LoRA file: low-rank updates ΔW = (α/r)·up·down of a model's linear and
// convolution weights, as kohya's sd-scripts and A1111 write them
// (`lora_unet_…`, `lora_te_…`, `lora_te1_…`/`lora_te2_…` for SDXL, with
// `.lora_down.weight`, `.lora_up.weight`, `.alpha`; LoCon's 3×3 downs on
// convolutions alike), and as diffusers / PEFT write them (`unet.…`,
// `text_encoder.…`, `text_encoder_2.…` with `.lora_A.weight` /
// `.lora_B.weight`, or diffusers' older `.lora.down/up.weight` and attention
// processors' `to_q_lora.down/up.weight`). Other adapter kinds (LoHa, LoKr,
// OFT, IA³, GLoRA, DoRA, full diffs) are refused with a message naming them.
// Only safetensors are read: a pickled LoRA would run its code.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/io/safetensors.h"

namespace diffscope {

enum class LoraFormat { Kohya, Diffusers };

// Which part of the model a module changes, as the file names it.
enum class LoraPart { Unet, TextEncoder, TextEncoder2 };

struct LoraModule {
  std::string key;  // as in the file, without the weight suffixes ("lora_unet_…_to_q")
  LoraPart part = LoraPart::Unet;
  std::string path;             // the module's name inside its part, in diffusers' or sgm's dotted or kohya's
                                // underscored form ("down_blocks_0_attentions_0_…_to_q")
  at::Tensor down, up;          // (r, in[, k, k]) and (out, r[, 1, 1]), as stored
  std::optional<double> alpha;  // none: α = r (scale 1)
  int64_t rank() const { return down.size(0); }
  double scale() const { return alpha ? *alpha / static_cast<double>(rank()) : 1.0; }
};

struct LoraFile {
  std::filesystem::path path;
  std::string name;  // the file's stem, as <lora:NAME:…> names it
  LoraFormat format = LoraFormat::Kohya;
  std::vector<LoraModule> modules;
  std::shared_ptr<const SafetensorsFile> file;  // keeps the mapped tensors alive

  // Reads and checks the file: every tensor belongs to a module with both
  // halves of matching rank; Error naming the file and tensor otherwise, or
  // the adapter kind when it is not a LoRA.
  static LoraFile open(const std::filesystem::path& path);
  // Whether a .safetensors file's tensor names are a LoRA's (header only;
  // false for checkpoints, other adapters and unreadable files).
  static bool looks_like_lora(const std::filesystem::path& path);
};

// The part of the model a module key addresses and the module's name in it
// ("lora_te2_text_model_…" → {TextEncoder2, "text_model_…"}); Error otherwise.
std::pair<LoraPart, std::string> lora_module_part(const std::string& key, const std::filesystem::path& file);

// A1111's short hash of a LoRA ("Lora hashes"): the first 12 hex digits of
// the SHA-256 of the file's data after the safetensors header (sd-scripts'
// and the Additional Networks extension's "addnet" hash).
std::string lora_short_hash(const std::filesystem::path& path);

}  // namespace diffscope
