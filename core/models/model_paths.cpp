#include "core/models/model_paths.h"

#include <cstdlib>
#include <system_error>

namespace diffscope {

namespace {

// Whether `path` (the resolved /proc/self/exe) lies inside `folder`, which may
// be spelled through a symbolic link.
bool is_inside(const std::filesystem::path& path, const std::filesystem::path& folder) {
  std::error_code error;
  const auto real_folder = std::filesystem::weakly_canonical(folder, error);
  const auto relative = path.lexically_normal().lexically_relative(error ? folder.lexically_normal() : real_folder);
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

std::vector<std::filesystem::path> model_search_dirs_for(const std::filesystem::path& executable) {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("DIFFSCOPE_MODELS_DIR"); env != nullptr && env[0] != '\0') dirs.emplace_back(env);
  if (!executable.empty()) dirs.push_back(executable.parent_path().parent_path() / "share" / "diffscope" / "models");
#if defined(DIFFSCOPE_SOURCE_MODELS_DIR) && defined(DIFFSCOPE_BUILD_DIR)
  if (is_inside(executable, DIFFSCOPE_BUILD_DIR)) dirs.emplace_back(DIFFSCOPE_SOURCE_MODELS_DIR);
#endif
  return dirs;
}

std::vector<std::filesystem::path> model_search_dirs() {
  std::error_code error;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  return model_search_dirs_for(error ? std::filesystem::path() : executable);
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
