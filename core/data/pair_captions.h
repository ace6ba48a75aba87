#pragma once
// What the text encoder reads for a training image. Users type anything from
// a bare name ("red apple") to a full caption, so each step picks one of the
// forms below; an empty caption (~10%) trains the unconditional model that
// classifier-free guidance needs.
#include <string>

#include "core/data/emoji_pairs.h"

namespace diffscope {

constexpr double kCaptionDropout = 0.10;

// u ∈ [0, 1): < 0.10 empty; < 0.35 "name, style"; < 0.45 "name";
// else the full caption (name, keywords, style).
std::string training_caption(const EmojiPairs& pairs, int64_t index, double u);

// The prompt that names emoji i in its own style: "name, style".
std::string styled_prompt(const EmojiPairs& pairs, int64_t index);

}  // namespace diffscope
