#include "core/models/ldm/singular_forms.h"

namespace diffscope::ldm {
namespace {

bool ends_with(const std::string& word, const char* suffix, size_t length) {
  return word.size() >= length && word.compare(word.size() - length, length, suffix) == 0;
}

}  // namespace

std::vector<std::string> singular_candidates(const std::string& word) {
  if (word.size() < 4 || word.back() != 's') return {};
  std::vector<std::string> candidates{word.substr(0, word.size() - 1)};  // cats
  if (word.size() > 4 && ends_with(word, "ies", 3)) candidates.push_back(word.substr(0, word.size() - 3) + "y");
  if (ends_with(word, "es", 2)) candidates.push_back(word.substr(0, word.size() - 2));  // boxes, tomatoes
  return candidates;
}

}  // namespace diffscope::ldm
