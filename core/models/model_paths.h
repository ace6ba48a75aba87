#pragma once
// Where installed models are found. Each model is <name>.json (config) +
// <name>.safetensors (weights) in one of the search folders.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace diffscope {

// The model every fresh install generates with.
inline constexpr const char* kBuiltinModel = "diffscope-emoji";
// The oracle's name in requests, menus and PNG parameters.
inline constexpr const char* kOracleModel = "oracle";

// In order: $DIFFSCOPE_MODELS_DIR; <executable>/../share/diffscope/models (an
// installed package); the source tree's models/, only for a program that runs
// from inside this build's folder (an installed copy never reads the source tree).
std::vector<std::filesystem::path> model_search_dirs();

// The same for a given executable path (tests).
std::vector<std::filesystem::path> model_search_dirs_for(const std::filesystem::path& executable);

// The folder holding <name>.json and <name>.safetensors, if any does. Names
// with path separators or a leading dot are never looked up.
std::optional<std::filesystem::path> find_model_dir(const std::string& name);

}  // namespace diffscope
