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

}  // namespace diffscope
