#include "core/training/name_aliases_from_cldr.h"

#include <algorithm>
#include <set>
#include <unordered_set>

namespace diffscope {

std::map<std::string, std::string> cldr_name_aliases(const EmojiPairs& pairs, const std::vector<int64_t>& images,
                                                     const std::vector<std::string>& vocabulary,
                                                     ldm::WordSplit split) {
  std::map<std::string, std::set<std::string>> meanings;  // name → the caption names it names
  for (int64_t image : images) {
    const auto i = static_cast<size_t>(image);
    if (i >= pairs.phrasings.size()) continue;
    for (const Phrasing& phrasing : pairs.phrasings[i]) {
      if (phrasing.language == "en") continue;
      if (!phrasing.name.empty()) meanings[phrasing.name].insert(pairs.names[i]);
    }
  }
  const std::unordered_set<std::string> known(vocabulary.begin() + std::min<size_t>(3, vocabulary.size()),
                                              vocabulary.end());
  std::map<std::string, std::string> aliases;
  for (const auto& [alias, names] : meanings) {
    if (names.size() != 1) continue;
    const std::vector<std::string> words = ldm::split_words(alias, split);
    bool all_known = !words.empty();
    for (const auto& word : words) all_known = all_known && known.count(word) > 0;
    if (all_known || words.empty()) continue;
    aliases.emplace(alias, *names.begin());
  }
  return aliases;
}

ldm::CaptionPhrases caption_phrases(const EmojiPairs& pairs, const std::vector<int64_t>& images) {
  std::map<std::string, std::set<std::string>> phrases;  // sets: both styles carry the same keywords
  for (int64_t image : images) {
    const auto i = static_cast<size_t>(image);
    const std::string& name = pairs.names[i];
    std::set<std::string>& own = phrases[name];
    // "name, keyword, …, style": the name may hold commas ("family: man, woman, boy").
    const std::string& caption = pairs.captions[i];
    const std::string head = name + ", ", tail = ", " + pairs.styles[i];
    if (caption.size() > head.size() + tail.size() && caption.compare(0, head.size(), head) == 0 &&
        caption.compare(caption.size() - tail.size(), tail.size(), tail) == 0) {
      const std::string keywords = caption.substr(head.size(), caption.size() - head.size() - tail.size());
      for (size_t begin = 0, end; begin <= keywords.size(); begin = end + 2) {
        end = std::min(keywords.find(", ", begin), keywords.size());
        if (end > begin) own.insert(keywords.substr(begin, end - begin));
      }
    }
    if (i >= pairs.phrasings.size()) continue;
    for (const Phrasing& phrasing : pairs.phrasings[i]) {
      if (!phrasing.name.empty()) own.insert(phrasing.name);
      own.insert(phrasing.keywords.begin(), phrasing.keywords.end());
    }
  }
  ldm::CaptionPhrases index;
  for (const auto& [name, own] : phrases) {
    std::set<std::string> words;
    for (const auto& phrase : own) {
      for (auto& word : ldm::split_words(phrase, ldm::WordSplit::Unicode)) words.insert(std::move(word));
    }
    std::string joined;
    for (const auto& word : words) joined += (joined.empty() ? "" : " ") + word;
    index[name] = joined.empty() ? std::vector<std::string>{} : std::vector<std::string>{joined};
  }
  return index;
}

std::vector<std::string> caption_styles(const EmojiPairs& pairs) {
  const std::set<std::string> styles(pairs.styles.begin(), pairs.styles.end());
  return {styles.begin(), styles.end()};
}

}  // namespace diffscope
