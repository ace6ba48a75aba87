#include "core/models/ldm/word_tokenizer.h"

#include <algorithm>
#include <map>

#include "core/common/errors.h"

namespace diffscope::ldm {
namespace {

bool is_word_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80; }

}  // namespace

std::vector<std::string> split_words(std::string_view text) {
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

std::vector<std::string> build_vocabulary(const std::vector<std::string>& captions) {
  std::map<std::string, int64_t> counts;
  for (const auto& caption : captions) {
    for (auto& word : split_words(caption)) ++counts[word];
  }
  std::vector<std::pair<std::string, int64_t>> ranked(counts.begin(), counts.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> vocabulary{"<pad>", "<unk>", "<start>"};
  for (auto& [word, count] : ranked) vocabulary.push_back(word);
  return vocabulary;
}

WordTokenizer::WordTokenizer(std::vector<std::string> vocabulary, int64_t max_tokens)
    : vocabulary_(std::move(vocabulary)), max_tokens_(max_tokens) {
  if (vocabulary_.size() < 3 || vocabulary_[kPadToken] != "<pad>" || vocabulary_[kUnknownToken] != "<unk>" ||
      vocabulary_[kStartToken] != "<start>") {
    throw Error("the tokenizer vocabulary must start with <pad>, <unk>, <start>");
  }
  if (max_tokens_ < 2) throw Error("the tokenizer needs room for at least one word");
  for (size_t i = 0; i < vocabulary_.size(); ++i) ids_.emplace(vocabulary_[i], static_cast<int64_t>(i));
}

std::vector<int64_t> WordTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids{kStartToken};
  for (const auto& word : split_words(text)) {
    if (static_cast<int64_t>(ids.size()) == max_tokens_) break;
    auto found = ids_.find(word);
    ids.push_back(found == ids_.end() || found->second < 3 ? kUnknownToken : found->second);
  }
  ids.resize(static_cast<size_t>(max_tokens_), kPadToken);
  return ids;
}

std::vector<std::string> WordTokenizer::unknown_words(std::string_view text) const {
  std::vector<std::string> unknown;
  for (auto& word : split_words(text)) {
    auto found = ids_.find(word);
    if ((found == ids_.end() || found->second < 3) &&
        std::find(unknown.begin(), unknown.end(), word) == unknown.end()) {
      unknown.push_back(std::move(word));
    }
  }
  return unknown;
}

}  // namespace diffscope::ldm
