#include "core/models/ldm/nearest_caption.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "core/common/errors.h"
#include "core/models/ldm/singular_forms.h"

namespace diffscope::ldm {
namespace {

// Okapi BM25's usual constants; the name-coverage weight was chosen on the
// development prompts (resources/evaluation/dev-prompts.tsv), never on the
// held-out set.
constexpr double kTermSaturation = 1.2, kLengthNormalisation = 0.75, kNameCoverageWeight = 0.5;

// Words that say how things relate, not which thing is asked for.
bool is_function_word(const std::string& word) {
  static const std::unordered_set<std::string> words = {
      "a",    "an",   "the",  "of",  "with", "in",   "on",   "at",   "for",  "and",  "to",  "from",
      "by",   "is",   "are",  "its", "it",   "this", "that", "or",   "as",   "into", "some", "very"};
  return words.count(word) > 0;
}

bool is_article(const std::string& word) { return word == "a" || word == "an" || word == "the"; }

}  // namespace

NearestCaption::NearestCaption(const CaptionPhrases& captions, const std::vector<std::string>& styles,
                               const WordsOf& words_of)
    : styles_(styles) {
  size_t total_length = 0;
  for (const auto& [name, phrases] : captions) {
    Entry entry{name, words_of(name), {}, 0};
    if (entry.name_words.empty()) throw Error("the caption index holds a name without words: '" + name + "'");
    for (const auto& word : entry.name_words) entry.counts[word] += 2;
    for (const auto& phrase : phrases) {
      for (const auto& word : words_of(phrase)) ++entry.counts[word];
    }
    for (const auto& [word, count] : entry.counts) entry.length += count;
    total_length += size_t(entry.length);
    const size_t index = names_.size();
    for (const auto& [word, count] : entry.counts) by_word_[word].push_back(index);
    by_first_word_[entry.name_words.front()].push_back(index);
    names_.push_back(std::move(entry));
  }
  average_length_ = names_.empty() ? 0.0 : double(total_length) / double(names_.size());
}

std::string NearestCaption::indexed_form(const std::string& word) const {
  if (by_word_.count(word)) return word;
  for (const auto& singular : singular_candidates(word)) {
    if (by_word_.count(singular)) return singular;  // cats, puppies, boxes
  }
  return word;
}

bool NearestCaption::reads_as_caption(const std::vector<std::string>& words) const {
  const auto first = by_first_word_.find(words.front());
  if (first == by_first_word_.end()) return false;
  return std::any_of(first->second.begin(), first->second.end(),
                     [&](size_t index) { return names_[index].name_words == words; });
}

std::optional<CaptionMatch> NearestCaption::match(const std::vector<std::string>& words) const {
  if (names_.empty()) return std::nullopt;
  std::vector<std::string> content, style_words, written;  // content in the index's form, with the prompt's spelling
  for (const auto& word : words) {
    if (std::find(styles_.begin(), styles_.end(), word) != styles_.end()) {
      style_words.push_back(word);
    } else {
      content.push_back(indexed_form(word));
      written.push_back(word);
    }
  }
  if (content.empty() || reads_as_caption(content)) return std::nullopt;
  if (content.size() > 1 && is_article(content.front())) {
    content.erase(content.begin());
    written.erase(written.begin());
    if (reads_as_caption(content)) return std::nullopt;
  }

  // Each content word once (sets, not searches: a pasted page of text must
  // not take quadratic time).
  std::vector<std::string> query;
  std::unordered_set<std::string> in_query;
  for (const auto& word : content) {
    if (!is_function_word(word) && by_word_.count(word) && in_query.insert(word).second) query.push_back(word);
  }
  if (query.empty()) return std::nullopt;
  // Scores of the entries holding a query word; `scored` in first-touch order.
  std::vector<double> scores(names_.size(), 0.0);
  std::vector<size_t> scored;
  const double n = double(names_.size());
  for (const auto& word : query) {
    const std::vector<size_t>& holders = by_word_.at(word);
    const double df = double(holders.size());
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (const size_t index : holders) {
      const Entry& entry = names_[index];
      const double tf = entry.counts.at(word);
      const double norm = kTermSaturation * (1.0 - kLengthNormalisation +
                                             kLengthNormalisation * entry.length / std::max(average_length_, 1.0));
      if (scores[index] == 0.0) scored.push_back(index);
      scores[index] += idf * tf * (kTermSaturation + 1.0) / (tf + norm);
    }
  }
  size_t best = 0;
  double best_score = -1.0;
  std::sort(scored.begin(), scored.end());  // name order, for the ties below
  for (const size_t index : scored) {
    const Entry& entry = names_[index];
    const auto covered = std::count_if(entry.name_words.begin(), entry.name_words.end(),
                                       [&](const std::string& w) { return in_query.count(w) > 0; });
    const double total =
        scores[index] * (1.0 + kNameCoverageWeight * double(covered) / double(entry.name_words.size()));
    // Ties: the shorter name (the plainer emoji), then the first by name.
    const bool better = total > best_score + 1e-12 ||
                        (std::abs(total - best_score) <= 1e-12 && entry.name.size() < names_[best].name.size());
    if (better) {
      best = index;
      best_score = total;
    }
  }
  const Entry& chosen = names_[best];
  CaptionMatch found{chosen.name, style_words, {}};
  std::unordered_set<std::string> listed;
  for (size_t i = 0; i < content.size(); ++i) {
    if (!is_function_word(content[i]) && chosen.counts.count(content[i]) && listed.insert(written[i]).second) {
      found.matched.push_back(written[i]);
    }
  }
  return found;
}

}  // namespace diffscope::ldm
