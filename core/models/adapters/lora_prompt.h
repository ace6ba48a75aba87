#pragma once
// A1111's LoRA tags in a prompt: <lora:NAME>, <lora:NAME:WEIGHT> and
// <lora:NAME:TE:UNET> (or te=…, unet=…), several at once, negative weights
// allowed. The tags are taken out of the text the encoder reads and stay in
// the prompt the PNG records, as A1111 does. NAME is a file's stem in one of
// the LoRA folders.
#include <filesystem>
#include <string>
#include <vector>

#include "core/models/adapters/lora_use.h"

namespace diffscope {

struct LoraTag {
  std::string name;
  double text_weight = 1.0, unet_weight = 1.0;
  size_t begin = 0, length = 0;  // where the tag is in the prompt
};

// The tags in order; Error for a tag with no name or a weight that is not a number.
std::vector<LoraTag> lora_tags(const std::string& prompt);
// The prompt without its tags (what the text encoder reads).
std::string without_lora_tags(const std::string& prompt);
// The prompt with `name`'s tag set to `weight` (appended when absent), or
// without it when !present: what the app's LoRA list writes.
std::string with_lora_weight(const std::string& prompt, const std::string& name, double weight, bool present);

// Where LoRAs are looked for, in order: `asked` (--lora-dir, the app's
// setting), then next to the checkpoint (its folder, and Lora/ and loras/
// in it), then <user data dir>/loras.
std::vector<std::filesystem::path> lora_search_dirs(const std::vector<std::string>& asked, const std::string& model);
// NAME.safetensors in the first folder that has it; Error naming every
// folder looked in, or saying why a pickled NAME.pt/.ckpt is not read.
std::filesystem::path find_lora(const std::string& name, const std::vector<std::filesystem::path>& dirs);
// The .safetensors files of the folders (stems, first folder wins), sorted.
std::vector<std::pair<std::string, std::filesystem::path>> list_loras(const std::vector<std::filesystem::path>& dirs);

// The prompt's tags resolved to files.
std::vector<LoraUse> resolve_loras(const std::string& prompt, const std::vector<std::filesystem::path>& dirs);

}  // namespace diffscope
