#pragma once
// The built-in model's training data: (image, caption) pairs at 64×64 RGB on
// white, EmojiOne art (ruby-gemojione) and Noto Color Emoji (rendered by the
// caller, e.g. with Qt), keyed and named through the emoji catalogue so that
// both styles of an emoji share one caption apart from the style word.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/data/cldr_annotations.h"
#include "core/data/emoji_catalog.h"

namespace diffscope {

struct EmojiPairs {
  at::Tensor images;                  // (N, 64, 64, 3) uint8
  std::vector<std::string> keys;      // emoji_key of each image
  std::vector<std::string> names;     // the emoji's one name
  std::vector<std::string> styles;    // "emojione" or "noto"
  std::vector<std::string> captions;  // name, keywords, style word
  std::vector<bool> held_out;         // the held-out style of its emoji: never trained on
  // Its emoji in people's words, per language (CLDR names and keywords); empty
  // for every image of a version-1 data set, which predates them.
  std::vector<std::vector<Phrasing>> phrasings;
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

// Draws one emoji sequence as (64, 64, 3) uint8 on white; an undefined tensor
// when the font has no glyph for it.
using GlyphRenderer = std::function<at::Tensor(const std::u32string& sequence)>;

// `phrasings`: by emoji key (load_phrasings); an emoji without any gets none.
EmojiPairs build_emoji_pairs(const std::filesystem::path& gemojione_dir, const std::vector<EmojiInfo>& catalogue,
                             const GlyphRenderer& render_noto,
                             const std::map<std::string, std::vector<Phrasing>>& phrasings = {});

void save_emoji_pairs(const EmojiPairs& pairs, const std::filesystem::path& path);
EmojiPairs load_emoji_pairs(const std::filesystem::path& path);

}  // namespace diffscope
