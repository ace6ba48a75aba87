#pragma once
// What the text encoder reads for a training image. Users type anything from
// a bare name ("red apple") to a full caption, in English or in their own
// language, so each step picks one of the forms below; an empty caption (~10%)
// trains the unconditional model that classifier-free guidance needs.
#include <cstdint>
#include <random>
#include <string>

#include "core/data/emoji_pairs.h"

namespace diffscope {

constexpr double kCaptionDropout = 0.10;

// u ∈ [0, 1). With phrasing_share s (0 ≤ s < 1) and an image whose emoji has
// phrasings, u ≥ 1 − s captions it in people's words (phrasing_caption, one
// of its languages at random). Otherwise, on u scaled to [0, 1) by 1 − s:
// < 0.10 empty; < 0.35 "name, style"; < 0.45 "name"; else the full caption
// (name, keywords, style). s = 0 is the rule the shipped model was trained
// with: one draw of u per caption, `random` untouched.
std::string training_caption(const EmojiPairs& pairs, int64_t index, double u, std::mt19937_64& random,
                             double phrasing_share = 0.0);

// One language's words for an emoji: its name (45 %), the name and one to
// three of its keywords (35 %), or one to three keywords alone (20 %), the
// keywords in random order; then ", style" a quarter of the time. Falls back
// to the name when a form has nothing to draw from.
std::string phrasing_caption(const Phrasing& phrasing, const std::string& style, std::mt19937_64& random);

// The prompt that names emoji i in its own style: "name, style".
std::string styled_prompt(const EmojiPairs& pairs, int64_t index);

// Every caption a model trained with these options can read: the full
// captions and, with phrasings, every phrasing's name and keywords (the text
// encoder's vocabulary is built from them).
std::vector<std::string> vocabulary_texts(const EmojiPairs& pairs, const std::vector<int64_t>& images,
                                          bool with_phrasings);

// Each emoji's phrasings in `languages` only (every language when it is
// empty): a model captioned in English only must neither draw nor learn the
// words of the other languages (their names reach it as name aliases instead).
std::vector<std::vector<Phrasing>> phrasings_in(const std::vector<std::vector<Phrasing>>& phrasings,
                                                const std::vector<std::string>& languages);

}  // namespace diffscope
