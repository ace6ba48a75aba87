#include "core/models/model_paths.h"

#include <cstdlib>
#include <system_error>

namespace diffscope {

std::vector<std::filesystem::path> model_search_dirs() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("DIFFSCOPE_MODELS_DIR"); env != nullptr && env[0] != '\0') dirs.emplace_back(env);
  std::error_code error;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) dirs.push_back(executable.parent_path().parent_path() / "share" / "diffscope" / "models");
#ifdef DIFFSCOPE_SOURCE_MODELS_DIR
  dirs.emplace_back(DIFFSCOPE_SOURCE_MODELS_DIR);
#endif
  return dirs;
}

std::optional<std::filesystem::path> find_model_dir(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos) {
    return std::nullopt;
  }
  for (const auto& dir : model_search_dirs()) {
    std::error_code error;
    if (std::filesystem::is_regular_file(dir / (name + ".json"), error) &&
        std::filesystem::is_regular_file(dir / (name + ".safetensors"), error)) {
      return dir;
    }
  }
  return std::nullopt;
}

}  // namespace diffscope
