#include "core/models/ldm/name_aliases.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <climits>

#include "core/common/errors.h"
#include "core/models/ldm/word_tokenizer.h"

namespace diffscope::ldm {
namespace {

struct Character {
  char32_t folded;
  size_t byte;  // where it starts in the text
};

// The text's characters, case-folded one by one (simple folding keeps one
// character per character, so positions map back to the text's bytes).
// Invalid UTF-8 reads as U+FFFD, which no alias holds.
std::vector<Character> folded_characters(std::string_view text) {
  if (text.size() > size_t(INT32_MAX / 2)) throw Error("the prompt is too long to read");
  std::vector<Character> characters;
  characters.reserve(text.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    const size_t start = static_cast<size_t>(i);
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    characters.push_back({c < 0 ? char32_t(0xFFFD) : char32_t(u_foldCase(c, U_FOLD_CASE_DEFAULT)), start});
  }
  return characters;
}

std::u32string fold(std::string_view text) {
  std::u32string folded;
  for (const auto& c : folded_characters(text)) folded.push_back(c.folded);
  return folded;
}

// May an alias start (or end) with `inside` where `outside` is the character
// before (after) it? Whole words in scripts written with spaces; anywhere in
// Chinese characters and kana, unless `whole_word`.
bool boundary(char32_t inside, const char32_t* outside, bool whole_word) {
  if (outside == nullptr) return true;
  if (!whole_word && (written_without_spaces(inside) || written_without_spaces(*outside))) return true;
  return !is_word_character(*outside) || !is_word_character(inside);
}

}  // namespace

NameAliases::NameAliases(const std::map<std::string, std::string>& aliases) {
  for (const auto& [alias, read_as] : aliases) {
    std::u32string folded = fold(alias);
    if (folded.empty() || read_as.empty()) throw Error("a name alias and what it stands for must not be empty");
    by_first_[folded.front()].push_back({std::move(folded), read_as});
  }
  for (auto& [first, entries] : by_first_) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.folded.size() > b.folded.size(); });
  }
}

std::string NameAliases::apply(std::string_view prompt, std::vector<AliasUse>* uses) const {
  if (empty()) return std::string(prompt);
  const std::vector<Character> text = folded_characters(prompt);
  const size_t n = text.size();
  const auto byte_at = [&](size_t i) { return i < n ? text[i].byte : prompt.size(); };
  const auto matches = [&](const Entry& entry, size_t at) {
    const size_t length = entry.folded.size();
    if (length > n - at) return false;
    for (size_t k = 0; k < length; ++k) {
      if (text[at + k].folded != entry.folded[k]) return false;
    }
    const char32_t* before = at > 0 ? &text[at - 1].folded : nullptr;
    const char32_t* after = at + length < n ? &text[at + length].folded : nullptr;
    // One character alone is too ambiguous inside running text: Japanese
    // names 🎯 "的", the commonest Chinese character. It matches standing alone.
    const bool whole_word = length == 1;
    return boundary(entry.folded.front(), before, whole_word) && boundary(entry.folded.back(), after, whole_word);
  };

  std::string out;
  size_t copied = 0;  // bytes of the prompt already in `out`
  for (size_t i = 0; i < n;) {
    const auto candidates = by_first_.find(text[i].folded);
    const Entry* found = nullptr;
    if (candidates != by_first_.end()) {
      for (const Entry& entry : candidates->second) {
        if (matches(entry, i)) {
          found = &entry;
          break;
        }
      }
    }
    if (found == nullptr) {
      ++i;
      continue;
    }
    const size_t start = byte_at(i), end = byte_at(i + found->folded.size());
    out.append(prompt.substr(copied, start - copied));
    out += ' ';
    out += found->read_as;
    out += ' ';
    if (uses != nullptr) uses->push_back({std::string(prompt.substr(start, end - start)), found->read_as});
    copied = end;
    i += found->folded.size();
  }
  out.append(prompt.substr(copied));
  return out;
}

}  // namespace diffscope::ldm
