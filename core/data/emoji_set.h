#pragma once
// The image set that works out of the box: EmojiOne 3.x art shipped by Debian's
// ruby-gemojione (1,794 64×64 PNGs, CC-BY-SA-4.0) with captions from its
// config/index.json, composited on white and cached as one safetensors file in
// the user's cache directory (never in git).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <vector>

namespace diffscope {

struct ImageSet {
  at::Tensor images;                  // (N, H, W, 3) uint8, RGB on white
  std::vector<std::string> keys;      // code points, e.g. "1f600"
  std::vector<std::string> captions;  // "grinning face, face, happy, smile, …"
};

// The installed gem's folder; Error with the package to install when absent.
// $DIFFSCOPE_GEMOJIONE_DIR overrides the search.
std::filesystem::path find_gemojione_dir();

// One emoji of the gem's config/index.json, with where its PNG should be.
struct GemojioneEntry {
  std::string unicode;  // the gem's key, lower case: "1f600", "1f1e6-1f1e8"
  std::string name;
  std::vector<std::string> keywords;
  std::filesystem::path png;  // the gem spells file names in either case; checked here
};
// Sorted by `unicode`; Error when the index is missing or damaged.
std::vector<GemojioneEntry> read_gemojione_index(const std::filesystem::path& gem_dir);

ImageSet build_gemojione_set(const std::filesystem::path& gem_dir);

void save_image_set(const ImageSet& set, const std::filesystem::path& path);
ImageSet load_image_set(const std::filesystem::path& path);

// The cached emoji set, built from the gem on first use (or when `rebuild`).
std::filesystem::path default_image_set_path();
ImageSet load_default_image_set(bool rebuild = false);

}  // namespace diffscope
