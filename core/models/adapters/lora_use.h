#pragma once
// Which LoRAs a run asks for (from the prompt's <lora:NAME:WEIGHT> tags) and
// which a loaded model has merged, for ModelInfo and the PNG parameters.
#include <filesystem>
#include <string>
#include <vector>

namespace diffscope {

struct LoraUse {
  std::string name;            // as the prompt names it
  std::filesystem::path file;  // where it was found
  double text_weight = 1.0;    // A1111's te multiplier
  double unet_weight = 1.0;    // A1111's unet multiplier (= te unless given)
  bool operator==(const LoraUse& other) const {
    return name == other.name && file == other.file && text_weight == other.text_weight &&
           unet_weight == other.unet_weight;
  }
};

struct AppliedLora {
  LoraUse use;
  std::string hash;                    // A1111's short hash (lora_file.h)
  size_t modules = 0;                  // modules in the file
  std::vector<std::string> unmatched;  // modules that change nothing in this model
  double merge_seconds = 0;            // reading, hashing and merging it
};

}  // namespace diffscope
