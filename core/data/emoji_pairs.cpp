#include "core/data/emoji_pairs.h"

#include <ATen/ATen.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/data/emoji_set.h"
#include "core/io/png_image.h"
#include "core/io/safetensors.h"

namespace diffscope {
namespace {

constexpr int64_t kSide = 64;
constexpr const char* kFormat = "diffscope-emoji-pairs";
// Version 2 added the phrasings; version 1 files still load (without them).
constexpr const char* kVersion = "2";

// One entry per image; images past the end of `pairs.phrasings` have none.
nlohmann::json phrasings_json(const EmojiPairs& pairs) {
  nlohmann::json all = nlohmann::json::array();
  for (size_t i = 0; i < size_t(pairs.size()); ++i) {
    nlohmann::json one = nlohmann::json::array();
    if (i < pairs.phrasings.size()) {
      for (const auto& p : pairs.phrasings[i]) one.push_back({p.language, p.name, p.keywords});
    }
    all.push_back(std::move(one));
  }
  return all;
}

std::vector<std::vector<Phrasing>> phrasings_from_json(const nlohmann::json& all) {
  std::vector<std::vector<Phrasing>> phrasings;
  for (const auto& image : all) {
    std::vector<Phrasing> one;
    for (const auto& p : image) {
      if (!p.is_array() || p.size() != 3) throw Error("a phrasing is not [language, name, keywords]");
      one.push_back({p[0].get<std::string>(), p[1].get<std::string>(), p[2].get<std::vector<std::string>>()});
    }
    phrasings.push_back(std::move(one));
  }
  return phrasings;
}

// The gem's emoji that have art, by our key.
std::map<std::string, GemojioneEntry> read_gem_art(const std::filesystem::path& gem_dir) {
  std::map<std::string, GemojioneEntry> entries;
  for (auto& entry : read_gemojione_index(gem_dir)) {
    if (std::filesystem::exists(entry.png)) entries[emoji_key(parse_code_points(entry.unicode))] = std::move(entry);
  }
  return entries;
}

}  // namespace

EmojiPairs build_emoji_pairs(const std::filesystem::path& gemojione_dir, const std::vector<EmojiInfo>& catalogue,
                             const GlyphRenderer& render_noto,
                             const std::map<std::string, std::vector<Phrasing>>& phrasings) {
  const auto gems = read_gem_art(gemojione_dir);
  std::map<std::string, const EmojiInfo*> unicode;
  for (const auto& info : catalogue) unicode[info.key] = &info;

  struct Item {
    std::string key, name, style, caption;
    at::Tensor image;
  };
  std::map<std::string, std::vector<Item>> by_key;  // sorted by key; EmojiOne first within a key
  for (const auto& [key, gem] : gems) {
    const auto found = unicode.find(key);
    const std::string name = found != unicode.end() ? found->second->name : gem.name;
    const at::Tensor image = read_png_rgb(gem.png);
    if (image.size(0) != kSide || image.size(1) != kSide) throw Error(gem.png.string() + ": expected 64×64");
    by_key[key].push_back(
        {key, name, "emojione", pair_caption(name, clean_keywords(gem.keywords, name), "emojione"), image});
  }
  for (const auto& info : catalogue) {
    const at::Tensor image = render_noto(info.sequence);
    if (!image.defined()) continue;
    if (image.sizes() != at::IntArrayRef({kSide, kSide, 3}) || image.scalar_type() != at::kByte) {
      throw Error("the Noto renderer must return (64, 64, 3) uint8 images");
    }
    const auto gem = gems.find(info.key);
    const std::vector<std::string> keywords =
        gem != gems.end() ? clean_keywords(gem->second.keywords, info.name) : std::vector<std::string>{};
    by_key[info.key].push_back({info.key, info.name, "noto", pair_caption(info.name, keywords, "noto"), image});
  }

  EmojiPairs pairs;
  std::vector<at::Tensor> images;
  for (auto& [key, items] : by_key) {
    const bool split = items.size() == 2 && is_style_held_out_emoji(key);
    for (auto& item : items) {
      pairs.keys.push_back(item.key);
      pairs.names.push_back(item.name);
      pairs.styles.push_back(item.style);
      pairs.captions.push_back(item.caption);
      pairs.held_out.push_back(split && item.style != trained_style_of_held_out(key));
      const auto words = phrasings.find(key);
      pairs.phrasings.push_back(words != phrasings.end() ? words->second : std::vector<Phrasing>{});
      images.push_back(item.image);
    }
  }
  if (images.empty()) throw Error("no emoji images found");
  pairs.images = at::stack(images);
  return pairs;
}

void save_emoji_pairs(const EmojiPairs& pairs, const std::filesystem::path& path) {
  std::vector<int> held_out(pairs.held_out.begin(), pairs.held_out.end());
  write_safetensors(path, {{"images", pairs.images}},
                    {{"format", kFormat},
                     {"version", kVersion},
                     {"keys", nlohmann::json(pairs.keys).dump()},
                     {"names", nlohmann::json(pairs.names).dump()},
                     {"styles", nlohmann::json(pairs.styles).dump()},
                     {"captions", nlohmann::json(pairs.captions).dump()},
                     {"held_out", nlohmann::json(held_out).dump()},
                     {"phrasings", phrasings_json(pairs).dump()}});
}

EmojiPairs load_emoji_pairs(const std::filesystem::path& path) {
  const SafetensorsFile file = SafetensorsFile::open(path);
  const auto& meta = file.metadata();
  auto field = [&](const char* key) -> nlohmann::json {
    const auto it = meta.find(key);
    if (it == meta.end()) throw Error(path.string() + ": not a DiffScope emoji data set (no '" + key + "')");
    try {
      return nlohmann::json::parse(it->second);
    } catch (const nlohmann::json::exception& e) {
      throw Error(path.string() + ": damaged '" + key + "': " + e.what());
    }
  };
  const bool version_1 = meta.count("version") && meta.at("version") == "1";
  if (meta.count("format") == 0 || meta.at("format") != kFormat || meta.count("version") == 0 ||
      (meta.at("version") != kVersion && !version_1)) {
    throw Error(path.string() + ": not a DiffScope emoji data set of version 1 or " + kVersion);
  }
  EmojiPairs pairs;
  try {
    pairs.keys = field("keys").get<std::vector<std::string>>();
    pairs.names = field("names").get<std::vector<std::string>>();
    pairs.styles = field("styles").get<std::vector<std::string>>();
    pairs.captions = field("captions").get<std::vector<std::string>>();
    for (int h : field("held_out").get<std::vector<int>>()) pairs.held_out.push_back(h != 0);
    if (version_1) {
      pairs.phrasings.resize(pairs.keys.size());
    } else {
      const nlohmann::json phrasings = field("phrasings");
      try {
        pairs.phrasings = phrasings_from_json(phrasings);
      } catch (const Error& e) {
        throw Error(path.string() + ": damaged 'phrasings': " + e.what());
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": damaged metadata: " + e.what());
  }
  pairs.images = file.tensor("images").clone();
  const size_t n = pairs.keys.size();
  if (pairs.images.dim() != 4 || pairs.images.size(0) != int64_t(n) || pairs.images.size(3) != 3 ||
      pairs.images.scalar_type() != at::kByte || pairs.names.size() != n || pairs.styles.size() != n ||
      pairs.captions.size() != n || pairs.held_out.size() != n || pairs.phrasings.size() != n) {
    throw Error(path.string() + ": the images and their labels do not fit together");
  }
  return pairs;
}

}  // namespace diffscope
