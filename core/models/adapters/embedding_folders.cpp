#include "core/models/adapters/embedding_folders.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/common/errors.h"
#include "core/io/user_dirs.h"

namespace diffscope {

namespace fs = std::filesystem;

std::vector<fs::path> embedding_search_dirs(const std::vector<std::string>& asked, const std::string& model) {
  std::vector<fs::path> dirs(asked.begin(), asked.end());
  std::error_code error;
  const fs::path model_path(model);
  if (!model.empty() && (fs::is_regular_file(model_path, error) || fs::is_directory(model_path, error))) {
    const fs::path folder = fs::absolute(model_path, error).parent_path();
    dirs.push_back(folder / "embeddings");
    if (folder.has_parent_path()) dirs.push_back(folder.parent_path() / "embeddings");
    if (folder.parent_path().has_parent_path()) dirs.push_back(folder.parent_path().parent_path() / "embeddings");
  }
  if (const fs::path data = user_data_dir(); !data.empty()) dirs.push_back(data / "embeddings");
  // A folder reached twice (a checkpoint at the top of a tree) is read once.
  std::vector<fs::path> unique;
  for (const fs::path& dir : dirs) {
    if (std::find(unique.begin(), unique.end(), dir.lexically_normal()) == unique.end()) {
      unique.push_back(dir.lexically_normal());
    }
  }
  return unique;
}

EmbeddingScan scan_embeddings(const std::vector<fs::path>& dirs) {
  std::map<std::string, EmbeddingFile> files;
  std::map<std::string, RefusedEmbedding> refused;
  for (const fs::path& dir : dirs) {
    std::set<std::string> here;  // names this folder gives (its .safetensors before .pt and .bin)
    std::vector<fs::path> paths;
    std::error_code error;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
      if (it->is_regular_file(error)) paths.push_back(it->path());
    }
    const auto order = [](const fs::path& p) { return std::make_pair(p.extension() != ".safetensors", p); };
    std::sort(paths.begin(), paths.end(), [&](const fs::path& a, const fs::path& b) { return order(a) < order(b); });
    for (const fs::path& path : paths) {
      const std::string name = path.stem().string(), extension = path.extension().string();
      const bool taken = files.count(name) || refused.count(name) || here.count(name);
      if (taken || name.empty()) continue;
      if (extension == ".safetensors" || extension == ".pt" || extension == ".bin") {
        try {
          std::optional<EmbeddingFile> file = EmbeddingFile::open_in_folder(path);
          if (!file) continue;  // a LoRA or checkpoint sharing the folder
          files.emplace(name, std::move(*file));
        } catch (const Error& e) {
          refused[name] = {name, path, e.what()};
        }
        here.insert(name);
      }
    }
  }
  EmbeddingScan scan;
  for (auto& [name, file] : files) scan.files.push_back(std::move(file));
  for (auto& [name, entry] : refused) scan.refused.push_back(std::move(entry));
  return scan;
}

}  // namespace diffscope
