#include "app/cli/word_map_files.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/common/errors.h"
#include "core/io/png_image.h"
#include "core/text/prompt_words.h"

namespace diffscope::cli {
namespace fs = std::filesystem;
namespace {

std::string stem_for(size_t index, const std::string& word) {
  if (word == kStartTokenWord) {
    char number[16];
    std::snprintf(number, sizeof number, "%02zu-start-token", index);
    return number;
  }
  return word_file_stem(index, word);
}

void write_map(const fs::path& file, const at::Tensor& map, int width, int height) {
  write_png(file, heat_map_image(map, width, height).unsqueeze(-1));
  std::printf("%s\n", file.c_str());
}

std::string numbered(const char* prefix, int number, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%s%0*d", prefix, digits, number);
  return text;
}

}  // namespace

void check_word_map_folder(const fs::path& dir, bool overwrite) {
  std::error_code error;
  if (!fs::exists(dir, error)) return;
  if (!fs::is_directory(dir, error)) throw Error(dir.string() + " is not a folder (--attention-maps)");
  if (!overwrite && !fs::is_empty(dir, error)) {
    throw Error(dir.string() + " is not empty (--overwrite replaces the maps in it)");
  }
}

void write_word_maps(const fs::path& dir, const WordMapHistory& history, int width, int height, bool per_step) {
  if (history.empty()) throw Error("no word heat maps were recorded");
  const std::vector<std::string> words = history.words();
  const int images = history.images();
  for (int image = 0; image < images; ++image) {
    const fs::path base = images > 1 ? dir / numbered("image-", image, 1) : dir;
    fs::create_directories(base);
    for (size_t i = 0; i < words.size(); ++i) {
      const at::Tensor sum = history.aggregate(words[i], image);
      if (sum.defined()) write_map(base / (stem_for(i, words[i]) + ".png"), sum, width, height);
    }
    for (int step = 0; per_step && step < history.steps(); ++step) {
      const fs::path folder = base / numbered("step-", step + 1, 3);
      for (size_t i = 0; i < words.size(); ++i) {
        const at::Tensor map = history.step_map(step, words[i], image);
        if (!map.defined()) continue;
        fs::create_directories(folder);
        write_map(folder / (stem_for(i, words[i]) + ".png"), map, width, height);
      }
    }
  }
}

}  // namespace diffscope::cli
