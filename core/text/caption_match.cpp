#include "core/text/caption_match.h"

#include <algorithm>
#include <set>

#include "core/common/errors.h"

namespace diffscope {
namespace {

const std::set<std::string> kStopWords = {
    "a",  "an",   "the",  "of",    "and",   "or",      "with",  "in",    "on",      "at",   "to",  "for",
    "by", "from", "is",   "are",   "be",    "this",    "that",  "some",  "my",      "your", "its", "it",
    "as", "into", "over", "under", "photo", "picture", "image", "emoji", "drawing", "icon"};

std::string normalise(std::string word) {
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
  if (word.size() > 3 && word.back() == 's' && word[word.size() - 2] != 's') word.pop_back();
  return word;
}

}  // namespace

std::vector<std::string> caption_words(const std::string& text) {
  // Runs of ASCII letters and digits. A plain loop: std::regex recursed once
  // per character and overflowed the stack on a prompt of ~100 KB.
  auto is_word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  std::vector<std::string> words;
  for (size_t i = 0; i < text.size();) {
    if (!is_word(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && is_word(text[end])) ++end;
    words.push_back(normalise(text.substr(i, end - i)));
    i = end;
  }
  return words;
}

std::vector<std::string> prompt_keywords(const std::string& prompt) {
  std::vector<std::string> keywords;
  for (auto& word : caption_words(prompt)) {
    if (kStopWords.count(word) == 0 && std::find(keywords.begin(), keywords.end(), word) == keywords.end()) {
      keywords.push_back(std::move(word));
    }
  }
  return keywords;
}

std::vector<int64_t> match_captions(const std::vector<std::string>& captions, const std::string& prompt) {
  const std::vector<std::string> keywords = prompt_keywords(prompt);
  std::vector<int64_t> best;
  if (keywords.empty()) {
    for (size_t i = 0; i < captions.size(); ++i) best.push_back(static_cast<int64_t>(i));
    return best;
  }
  size_t best_score = 0;
  for (size_t i = 0; i < captions.size(); ++i) {
    const auto words = caption_words(captions[i]);
    const std::set<std::string> caption_set(words.begin(), words.end());
    size_t score = 0;
    for (const auto& keyword : keywords) score += caption_set.count(keyword);
    if (score == 0 || score < best_score) continue;
    if (score > best_score) {
      best_score = score;
      best.clear();
    }
    best.push_back(static_cast<int64_t>(i));
  }
  if (best.empty()) {
    std::string list;
    for (const auto& keyword : keywords) list += (list.empty() ? "" : ", ") + keyword;
    throw Error("no image of the set has a caption with any of the prompt's words (" + list +
                "); try other words or an empty prompt");
  }
  return best;
}

}  // namespace diffscope
