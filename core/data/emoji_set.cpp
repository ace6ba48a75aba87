#include "core/data/emoji_set.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/common/text.h"
#include "core/io/png_image.h"
#include "core/io/safetensors.h"
#include "core/io/user_dirs.h"

namespace diffscope {
namespace {

constexpr const char* kSetVersion = "1";
constexpr int64_t kEmojiSize = 64;

// "grinning face" + keywords, each once, in the order given.
std::string make_caption(const std::string& name, const std::vector<std::string>& keywords) {
  std::vector<std::string> parts = {lower(name)};
  for (const auto& keyword : keywords) {
    std::string k = lower(keyword);
    if (!k.empty() && std::find(parts.begin(), parts.end(), k) == parts.end()) parts.push_back(k);
  }
  std::string caption;
  for (const auto& part : parts) caption += (caption.empty() ? "" : ", ") + part;
  return caption;
}

}  // namespace

std::filesystem::path find_gemojione_dir() {
  if (const char* own = std::getenv("DIFFSCOPE_GEMOJIONE_DIR"); own && *own) return own;
  const std::filesystem::path gems = "/usr/share/rubygems-integration/all/gems";
  std::error_code error;
  if (std::filesystem::is_directory(gems, error)) {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(gems, error)) {
      if (entry.path().filename().string().rfind("gemojione-", 0) == 0) found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    if (!found.empty()) return found.back();
  }
  throw Error(
      "the EmojiOne art is not installed: install the Debian package ruby-gemojione "
      "(apt-get install ruby-gemojione)");
}

std::vector<GemojioneEntry> read_gemojione_index(const std::filesystem::path& gem_dir) {
  const auto index_path = gem_dir / "config" / "index.json";
  std::ifstream in(index_path);
  if (!in) throw Error(index_path.string() + ": cannot open the emoji index");
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(index_path.string() + ": not valid JSON: " + e.what());
  }
  std::vector<GemojioneEntry> entries;
  for (const auto& [shortname, entry] : index.items()) {
    const std::string unicode = lower(entry.value("unicode", ""));
    if (unicode.empty()) continue;
    GemojioneEntry e{unicode, entry.value("name", shortname), entry.value("keywords", std::vector<std::string>{}),
                     gem_dir / "assets" / "png" / (unicode + ".png")};
    if (!std::filesystem::exists(e.png)) e.png = gem_dir / "assets" / "png" / (upper(unicode) + ".png");
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(),
            [](const GemojioneEntry& a, const GemojioneEntry& b) { return a.unicode < b.unicode; });
  if (entries.empty()) throw Error(index_path.string() + ": lists no emoji");
  return entries;
}

ImageSet build_gemojione_set(const std::filesystem::path& gem_dir) {
  const std::vector<GemojioneEntry> entries = read_gemojione_index(gem_dir);
  ImageSet set;
  set.images = at::empty({static_cast<int64_t>(entries.size()), kEmojiSize, kEmojiSize, 3}, at::kByte);
  for (size_t i = 0; i < entries.size(); ++i) {
    at::Tensor image = read_png_rgb(entries[i].png);
    if (image.size(0) != kEmojiSize || image.size(1) != kEmojiSize) {
      throw Error(entries[i].png.string() + ": expected a 64×64 image");
    }
    set.images[static_cast<int64_t>(i)].copy_(image);
    set.keys.push_back(entries[i].unicode);
    set.captions.push_back(make_caption(entries[i].name, entries[i].keywords));
  }
  return set;
}

void save_image_set(const ImageSet& set, const std::filesystem::path& path) {
  const nlohmann::json keys = set.keys, captions = set.captions;
  write_safetensors(path, {{"images", set.images}},
                    {{"format", "diffscope-image-set"},
                     {"version", kSetVersion},
                     {"keys", keys.dump()},
                     {"captions", captions.dump()}});
}

ImageSet load_image_set(const std::filesystem::path& path) {
  const SafetensorsFile file = SafetensorsFile::open(path);
  const auto& meta = file.metadata();
  auto field = [&](const char* key) -> std::string {
    auto it = meta.find(key);
    if (it == meta.end()) throw Error(path.string() + ": not a DiffScope image set (no '" + key + "')");
    return it->second;
  };
  if (field("format") != "diffscope-image-set" || field("version") != kSetVersion) {
    throw Error(path.string() + ": image set of another format or version");
  }
  ImageSet set;
  try {
    set.keys = nlohmann::json::parse(field("keys")).get<std::vector<std::string>>();
    set.captions = nlohmann::json::parse(field("captions")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": damaged captions: " + e.what());
  }
  set.images = file.tensor("images").clone();
  if (set.images.dim() != 4 || set.images.size(3) != 3 || set.images.scalar_type() != at::kByte ||
      set.images.size(0) != static_cast<int64_t>(set.captions.size()) || set.keys.size() != set.captions.size()) {
    throw Error(path.string() + ": the images and captions do not fit together");
  }
  return set;
}

std::filesystem::path default_image_set_path() {
  return user_cache_dir() / ("emoji-gemojione-v" + std::string(kSetVersion) + ".safetensors");
}

ImageSet load_default_image_set(bool rebuild) {
  const auto path = default_image_set_path();
  if (!rebuild && std::filesystem::exists(path)) {
    try {
      return load_image_set(path);
    } catch (const Error&) {
      // A damaged cache is rebuilt from the package rather than reported: it is ours, not the user's.
    }
  }
  ImageSet set = build_gemojione_set(find_gemojione_dir());
  save_image_set(set, path);
  return set;
}

}  // namespace diffscope
