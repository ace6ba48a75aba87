#pragma once
// The built-in model's tokenizer: whole lower-cased words of the caption
// vocabulary it was trained on. Emoji names are plain English words, so a word
// vocabulary is all this model needs (Stable Diffusion's CLIP BPE is elsewhere).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/models/ldm/name_aliases.h"
#include "core/models/ldm/nearest_caption.h"

namespace diffscope::ldm {

constexpr int64_t kPadToken = 0, kUnknownToken = 1, kStartToken = 2;

// How a prompt is cut into words. A model reads prompts the way it was
// trained, so the rule is part of its config ("text.word_split").
enum class WordSplit {
  // The first models' rule: lower-cased runs of ASCII letters and digits, every
  // non-ASCII byte part of a word ("“open”" is one word, "红苹果" another).
  Bytes,
  // Any language: NFKC with case folding ("Äpfel" = "äpfel", "ＡＢＣ" = "abc"),
  // words of letters, digits and marks in every script; each Chinese character
  // and each kana is a word of its own, as BERT's tokenizer does for CJK (no
  // spaces between words, and a dictionary segmenter would split a caption's
  // "红苹果" and a prompt's "红色的苹果" differently); every other non-ASCII
  // symbol (an emoji, ©) is a word too, so an unknown one is reported, never
  // silently dropped. ASCII text splits exactly as with Bytes.
  Unicode,
};
WordSplit word_split_by_name(std::string_view name);  // "bytes" | "unicode"; Error otherwise
const char* word_split_name(WordSplit split);

// Of case-folded text (the Unicode rule's characters): a Chinese character or
// kana, each a word of its own (scripts written without spaces)…
bool written_without_spaces(char32_t c);
// …and a letter, digit or mark of any script (ASCII: a–z, 0–9), a part of a word.
bool is_word_character(char32_t c);

std::vector<std::string> split_words(std::string_view text, WordSplit split = WordSplit::Bytes);

// "<pad>", "<unk>", "<start>", then every word of the captions, most frequent
// first (ties alphabetical), so the result does not depend on caption order.
std::vector<std::string> build_vocabulary(const std::vector<std::string>& captions,
                                          WordSplit split = WordSplit::Bytes);

class WordTokenizer {
 public:
  WordTokenizer(std::vector<std::string> vocabulary, int64_t max_tokens, WordSplit split = WordSplit::Bytes,
                NameAliases aliases = {}, const CaptionPhrases& captions = {},
                const std::vector<std::string>& caption_styles = {});

  // The prompt's words by this tokenizer's rule, all of them (not cut),
  // after its name aliases were read as the words they stand for.
  std::vector<std::string> split(std::string_view text) const { return split_words(aliases_.apply(text), split_); }
  // The aliases read in the prompt, in prompt order ("Banane" → "banana").
  std::vector<AliasUse> alias_uses(std::string_view text) const;
  // The caption the prompt is read as, when the model has a caption index and
  // the prompt is not already a caption (nearest_caption.h).
  std::optional<CaptionMatch> nearest_caption(std::string_view text) const;
  // Off: every prompt is read as written, as by a model without an index
  // (the user's choice, "prompt as written"). On by default.
  void set_nearest_caption(bool on) { nearest_caption_on_ = on; }
  bool reads_nearest_caption() const { return nearest_caption_on_ && !nearest_.empty(); }
  // What the model reads for that caption: its name's words, then the style words.
  std::vector<std::string> caption_words(const CaptionMatch& caption) const;

  // A word's id; a plural the vocabulary lacks reads as its known singular
  // ("apples" → apple, "cherries" → cherry, "tomatoes" → tomato); <unk> else.
  int64_t word_id(const std::string& word) const;
  // The words the model reads: split()'s words — or, where the prompt is read
  // as its nearest caption, that caption's words — that it knows. An unknown word
  // is left out, not read as <unk>: no caption ever held one, so <unk>'s
  // embedding was never trained and only adds noise (measured: model card).
  // unknown_words() reports what is left out. An English article ("a", "an",
  // "the") that opens a prompt of several words is left out too: people write
  // "a red apple", captions name "red apple", and the only captions with such
  // a word read it as part of a name ("face blowing a kiss", "A button"), so
  // the model took a leading "a" for those emoji (measured: model card).
  std::vector<std::string> read_words(std::string_view text) const;
  // <start>, then the ids of read_words, cut to max_tokens, padded with
  // <pad>: always max_tokens ids.
  std::vector<int64_t> encode(std::string_view text) const;
  // The prompt's words that the model never saw, in prompt order, each once.
  std::vector<std::string> unknown_words(std::string_view text) const;
  // How many of the prompt's read words fit (the rest are cut off).
  int64_t max_words() const { return max_tokens_ - 1; }
  int64_t max_tokens() const { return max_tokens_; }
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }

 private:
  std::vector<std::string> vocabulary_;
  std::unordered_map<std::string, int64_t> ids_;
  int64_t max_tokens_;
  WordSplit split_;
  NameAliases aliases_;
  NearestCaption nearest_;
  bool nearest_caption_on_ = true;
};

}  // namespace diffscope::ldm
