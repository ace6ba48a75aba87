#pragma once
// Prompts in people's own words, read as the nearest caption the built-in
// model was trained on: "a happy puppy" → "dog face", "apple red" → "red
// apple". The model draws only the emoji it was trained on, and its small text
// encoder reads a caption it never saw (new words, a new order, a description)
// as a blur of several emoji (measured: model card, "Held-out prompts"). So a
// prompt that is not already a caption is matched against every trained
// emoji's words — its name, its training keywords, Unicode CLDR's keywords in
// six languages — and the best match's name is what the model reads. The app
// and the CLI say so ("read as the nearest caption it was trained on: …").
//
// Matching is Okapi BM25 over the prompt's words (English function words left
// out, a plural the index lacks read as its singular, each word counted once), the name's words
// counting twice, with the score raised by the share of the name's words the
// prompt holds. A prompt is kept as written when it is an emoji's name, with
// or without a leading article and style words ("red apple, noto", "a
// banana"): what the model was trained on. Style words (the data set's styles,
// "noto", "emojione") are never matched and always kept. A whole training
// caption (name and keywords) is read as its name, which the model was trained
// on as well.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace diffscope::ldm {

// An emoji's name → the phrases people use for it (keywords, other names).
using CaptionPhrases = std::map<std::string, std::vector<std::string>>;

struct CaptionMatch {
  std::string name;                  // the caption name read instead
  std::vector<std::string> styles;   // the prompt's style words, read after the name
  std::vector<std::string> matched;  // the prompt's words that chose it, in prompt order
};

class NearestCaption {
 public:
  NearestCaption() = default;
  using WordsOf = std::function<std::vector<std::string>(const std::string&)>;
  // `words_of` cuts a text into words: the Unicode rule (word_tokenizer.h),
  // whatever rule the model reads by, so that a Chinese or Japanese prompt is
  // matched character by character, as CLDR's names and keywords are indexed.
  NearestCaption(const CaptionPhrases& captions, const std::vector<std::string>& styles, const WordsOf& words_of);
  bool empty() const { return names_.empty(); }

  // `words`: the prompt's words as words_of cuts them. Nothing when the
  // prompt already reads as a caption, or none of its words is an emoji's.
  std::optional<CaptionMatch> match(const std::vector<std::string>& words) const;

 private:
  struct Entry {
    std::string name;
    std::vector<std::string> name_words;          // as cut, in order
    std::unordered_map<std::string, int> counts;  // word → weight (a name word 2, a phrase word 1)
    int length = 0;
  };
  // The index's form of a prompt word: itself, or the singular the index holds.
  std::string indexed_form(const std::string& word) const;
  bool reads_as_caption(const std::vector<std::string>& words) const;

  std::vector<Entry> names_;
  std::unordered_map<std::string, std::vector<size_t>> by_word_;        // word → entries holding it
  std::unordered_map<std::string, std::vector<size_t>> by_first_word_;  // first word of a name → entries
  std::vector<std::string> styles_;
  double average_length_ = 0;
};

}  // namespace diffscope::ldm
