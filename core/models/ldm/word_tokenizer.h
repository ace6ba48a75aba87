#pragma once
// The built-in model's tokenizer: whole lower-cased words of the caption
// vocabulary it was trained on. Emoji names are plain English words, so a word
// vocabulary is all this model needs (Stable Diffusion's CLIP BPE is elsewhere).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace diffscope::ldm {

constexpr int64_t kPadToken = 0, kUnknownToken = 1, kStartToken = 2;

// Lower-cased words: runs of ASCII letters/digits and non-ASCII bytes.
std::vector<std::string> split_words(std::string_view text);

// "<pad>", "<unk>", "<start>", then every word of the captions, most frequent
// first (ties alphabetical), so the result does not depend on caption order.
std::vector<std::string> build_vocabulary(const std::vector<std::string>& captions);

class WordTokenizer {
 public:
  WordTokenizer(std::vector<std::string> vocabulary, int64_t max_tokens);

  // <start>, then one id per word (<unk> for unknown words), cut to
  // max_tokens, padded with <pad>: always max_tokens ids.
  std::vector<int64_t> encode(std::string_view text) const;
  // The prompt's words that the model never saw, in prompt order, each once.
  std::vector<std::string> unknown_words(std::string_view text) const;
  // How many of the prompt's words fit (the rest are cut off).
  int64_t max_words() const { return max_tokens_ - 1; }
  int64_t max_tokens() const { return max_tokens_; }
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }

 private:
  std::vector<std::string> vocabulary_;
  std::unordered_map<std::string, int64_t> ids_;
  int64_t max_tokens_;
};

}  // namespace diffscope::ldm
