#include "core/models/ldm/word_tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <climits>
#include <map>

#include "core/common/errors.h"
#include "core/models/ldm/singular_forms.h"

namespace diffscope::ldm {
namespace {

bool is_word_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80; }

bool is_symbol_word(UChar32 c) {
  if (c < 0x80) return false;  // ASCII punctuation and symbols separate words, as they always did
  const int8_t category = u_charType(c);
  return category == U_OTHER_SYMBOL || category == U_MODIFIER_SYMBOL || category == U_MATH_SYMBOL ||
         category == U_CURRENCY_SYMBOL;
}

std::vector<std::string> split_unicode_words(std::string_view text) {
  static const icu::Normalizer2* const fold = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* instance = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) throw Error(std::string("ICU's NFKC case folding is unavailable: ") + u_errorName(status));
    return instance;
  }();
  // ICU strings are indexed by int32_t; no prompt is near 2 GB (the UI and
  // the CLI read far less), but a caller's text must not overflow the index.
  if (text.size() > size_t(INT32_MAX / 2)) throw Error("the prompt is too long to read");
  UErrorCode status = U_ZERO_ERROR;
  // Invalid UTF-8 becomes U+FFFD (a symbol word: reported, not dropped).
  const icu::UnicodeString folded =
      fold->normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), int32_t(text.size()))), status);
  if (U_FAILURE(status)) throw Error(std::string("cannot normalise the prompt: ") + u_errorName(status));
  std::vector<std::string> words;
  icu::UnicodeString word;
  auto flush = [&] {
    if (word.isEmpty()) return;
    std::string utf8;
    words.push_back(word.toUTF8String(utf8));
    word.remove();
  };
  for (int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (written_without_spaces(char32_t(c)) || is_symbol_word(c) || c == 0xFFFD) {
      flush();
      word.append(c);
      flush();
    } else if (is_word_character(char32_t(c))) {
      word.append(c);
    } else {
      flush();
    }
  }
  flush();
  return words;
}

}  // namespace

// Letters by Script_Extensions, not Script: the prolonged sound mark ー and
// the iteration marks are "Common" but used by both kana; the ideographic
// comma 、 has the same extensions but is punctuation (a separator).
bool written_without_spaces(char32_t c) {
  if (c < 0x2E80 || c > 0x10FFFF || !u_isalnum(UChar32(c))) return false;  // below the CJK radicals: no Han or kana
  return uscript_hasScript(UChar32(c), USCRIPT_HAN) || uscript_hasScript(UChar32(c), USCRIPT_HIRAGANA) ||
         uscript_hasScript(UChar32(c), USCRIPT_KATAKANA);
}

bool is_word_character(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  if (c > 0x10FFFF) return false;
  const int8_t category = u_charType(UChar32(c));
  return u_isalnum(UChar32(c)) || category == U_NON_SPACING_MARK || category == U_COMBINING_SPACING_MARK;
}

WordSplit word_split_by_name(std::string_view name) {
  if (name == "bytes") return WordSplit::Bytes;
  if (name == "unicode") return WordSplit::Unicode;
  throw Error("unknown word split '" + std::string(name) + "' (bytes or unicode)");
}

const char* word_split_name(WordSplit split) { return split == WordSplit::Unicode ? "unicode" : "bytes"; }

std::vector<std::string> split_words(std::string_view text, WordSplit split) {
  if (split == WordSplit::Unicode) return split_unicode_words(text);
  std::vector<std::string> words;
  std::string word;
  for (char raw : text) {
    unsigned char c = static_cast<unsigned char>(raw);
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    if (is_word_byte(c)) {
      word += static_cast<char>(c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> build_vocabulary(const std::vector<std::string>& captions, WordSplit split) {
  std::map<std::string, int64_t> counts;
  for (const auto& caption : captions) {
    for (auto& word : split_words(caption, split)) ++counts[word];
  }
  std::vector<std::pair<std::string, int64_t>> ranked(counts.begin(), counts.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> vocabulary{"<pad>", "<unk>", "<start>"};
  for (auto& [word, count] : ranked) vocabulary.push_back(word);
  return vocabulary;
}

WordTokenizer::WordTokenizer(std::vector<std::string> vocabulary, int64_t max_tokens, WordSplit split,
                             NameAliases aliases, const CaptionPhrases& captions,
                             const std::vector<std::string>& caption_styles)
    : vocabulary_(std::move(vocabulary)),
      max_tokens_(max_tokens),
      split_(split),
      aliases_(std::move(aliases)),
      nearest_(captions, caption_styles,
               [](const std::string& text) { return split_words(text, WordSplit::Unicode); }) {
  if (vocabulary_.size() < 3 || vocabulary_[kPadToken] != "<pad>" || vocabulary_[kUnknownToken] != "<unk>" ||
      vocabulary_[kStartToken] != "<start>") {
    throw Error("the tokenizer vocabulary must start with <pad>, <unk>, <start>");
  }
  if (max_tokens_ < 2) throw Error("the tokenizer needs room for at least one word");
  for (size_t i = 0; i < vocabulary_.size(); ++i) ids_.emplace(vocabulary_[i], static_cast<int64_t>(i));
}

int64_t WordTokenizer::word_id(const std::string& word) const {
  const auto known = [&](const std::string& w) -> int64_t {
    const auto found = ids_.find(w);
    return found == ids_.end() || found->second < 3 ? kUnknownToken : found->second;
  };
  if (const int64_t id = known(word); id != kUnknownToken) return id;
  for (const auto& singular : singular_candidates(word)) {
    if (const int64_t id = known(singular); id != kUnknownToken) return id;
  }
  return kUnknownToken;
}

std::optional<CaptionMatch> WordTokenizer::nearest_caption(std::string_view text) const {
  if (!reads_nearest_caption()) return std::nullopt;
  return nearest_.match(split_words(aliases_.apply(text), WordSplit::Unicode));
}

std::vector<std::string> WordTokenizer::caption_words(const CaptionMatch& caption) const {
  std::vector<std::string> words = split_words(caption.name, split_);
  words.insert(words.end(), caption.styles.begin(), caption.styles.end());
  return words;
}

std::vector<std::string> WordTokenizer::read_words(std::string_view text) const {
  const std::optional<CaptionMatch> caption = nearest_caption(text);
  std::vector<std::string> words = caption ? caption_words(*caption) : split(text);
  words.erase(std::remove_if(words.begin(), words.end(),
                             [&](const std::string& word) { return word_id(word) == kUnknownToken; }),
              words.end());
  const bool opens_with_article = words.size() > 1 && (words[0] == "a" || words[0] == "an" || words[0] == "the");
  if (opens_with_article) words.erase(words.begin());
  return words;
}

std::vector<int64_t> WordTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids{kStartToken};
  for (const auto& word : read_words(text)) {
    if (static_cast<int64_t>(ids.size()) == max_tokens_) break;
    ids.push_back(word_id(word));
  }
  ids.resize(static_cast<size_t>(max_tokens_), kPadToken);
  return ids;
}

std::vector<AliasUse> WordTokenizer::alias_uses(std::string_view text) const {
  std::vector<AliasUse> uses;
  aliases_.apply(text, &uses);
  return uses;
}

std::vector<std::string> WordTokenizer::unknown_words(std::string_view text) const {
  std::vector<std::string> unknown;
  for (auto& word : split(text)) {
    if (word_id(word) == kUnknownToken && std::find(unknown.begin(), unknown.end(), word) == unknown.end()) {
      unknown.push_back(std::move(word));
    }
  }
  return unknown;
}

}  // namespace diffscope::ldm
