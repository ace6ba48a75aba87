#include "core/data/pair_captions.h"

#include <algorithm>

namespace diffscope {
namespace {

double uniform(std::mt19937_64& random) { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }

// One to three of the keywords, in random order.
std::vector<std::string> some_keywords(const std::vector<std::string>& keywords, std::mt19937_64& random) {
  std::vector<std::string> shuffled = keywords;
  std::shuffle(shuffled.begin(), shuffled.end(), random);
  const size_t count = std::min<size_t>(shuffled.size(), 1 + size_t(uniform(random) * 3.0));
  shuffled.resize(count);
  return shuffled;
}

}  // namespace

std::string phrasing_caption(const Phrasing& phrasing, const std::string& style, std::mt19937_64& random) {
  const double form = uniform(random);
  std::vector<std::string> words;
  if (form < 0.45 || phrasing.keywords.empty()) {
    words.push_back(phrasing.name);
  } else if (form < 0.80 && !phrasing.name.empty()) {
    words.push_back(phrasing.name);
    for (auto& k : some_keywords(phrasing.keywords, random)) words.push_back(std::move(k));
  } else {
    words = some_keywords(phrasing.keywords, random);
  }
  if (words.size() == 1 && words[0].empty()) words[0] = phrasing.keywords.empty() ? "" : phrasing.keywords[0];
  std::string caption;
  for (const auto& w : words) caption += (caption.empty() ? "" : ", ") + w;
  if (uniform(random) < 0.25) caption += ", " + style;
  return caption;
}

std::string training_caption(const EmojiPairs& pairs, int64_t index, double u, std::mt19937_64& random,
                             double phrasing_share) {
  const auto i = static_cast<size_t>(index);
  const bool has_phrasings = i < pairs.phrasings.size() && !pairs.phrasings[i].empty();
  if (phrasing_share > 0.0 && has_phrasings) {
    if (u >= 1.0 - phrasing_share) {
      const auto& choices = pairs.phrasings[i];
      const auto pick = std::min(choices.size() - 1, size_t(uniform(random) * double(choices.size())));
      return phrasing_caption(choices[pick], pairs.styles[i], random);
    }
    u /= 1.0 - phrasing_share;
  }
  if (u < kCaptionDropout) return "";
  if (u < 0.35) return styled_prompt(pairs, index);
  if (u < 0.45) return pairs.names[i];
  return pairs.captions[i];
}

std::string styled_prompt(const EmojiPairs& pairs, int64_t index) {
  const auto i = static_cast<size_t>(index);
  std::string prompt = pairs.names[i];
  prompt += ", ";
  prompt += pairs.styles[i];
  return prompt;
}

std::vector<std::string> vocabulary_texts(const EmojiPairs& pairs, const std::vector<int64_t>& images,
                                          bool with_phrasings) {
  std::vector<std::string> texts;
  for (int64_t image : images) {
    const auto i = static_cast<size_t>(image);
    texts.push_back(pairs.captions[i]);
    if (!with_phrasings || i >= pairs.phrasings.size()) continue;
    for (const auto& p : pairs.phrasings[i]) {
      texts.push_back(p.name);
      for (const auto& k : p.keywords) texts.push_back(k);
    }
  }
  return texts;
}

std::vector<std::vector<Phrasing>> phrasings_in(const std::vector<std::vector<Phrasing>>& phrasings,
                                                const std::vector<std::string>& languages) {
  if (languages.empty()) return phrasings;
  std::vector<std::vector<Phrasing>> kept(phrasings.size());
  for (size_t i = 0; i < phrasings.size(); ++i) {
    for (const Phrasing& phrasing : phrasings[i]) {
      if (std::find(languages.begin(), languages.end(), phrasing.language) != languages.end()) {
        kept[i].push_back(phrasing);
      }
    }
  }
  return kept;
}

}  // namespace diffscope
