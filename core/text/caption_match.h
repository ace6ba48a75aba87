#pragma once
// Word-level matching of prompts against image captions, for the oracle model's
// conditioning ("a red apple" → the set images whose captions mention the most
// of red, apple).
#include <cstdint>
#include <string>
#include <vector>

namespace diffscope {

// Lower-case words of letters and digits; a plural "s" is dropped so "cats" matches "cat".
std::vector<std::string> caption_words(const std::string& text);

// The prompt's words without English stop words ("a", "the", "of", …).
std::vector<std::string> prompt_keywords(const std::string& prompt);

// Indices of the captions sharing the largest number (≥ 1) of the prompt's
// keywords. A prompt without keywords matches every caption; a prompt whose
// keywords match no caption is an Error that says so.
std::vector<int64_t> match_captions(const std::vector<std::string>& captions, const std::string& prompt);

}  // namespace diffscope
