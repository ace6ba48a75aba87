#include "core/models/adapters/embedding_prompt.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace diffscope {
namespace {

bool continues_word(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x80 || std::isalnum(byte) || c == '_' || c == '-';
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Where `name` stands as a word in `text`.
std::vector<size_t> occurrences(const std::string& text, const std::string& name) {
  std::vector<size_t> found;
  if (name.empty()) return found;
  const std::string haystack = lower(text), needle = lower(name);
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    const size_t end = at + needle.size();
    const bool starts = at == 0 || !continues_word(text[at - 1]);
    const bool ends = end == text.size() || !continues_word(text[end]);
    if (starts && ends) found.push_back(at);
  }
  return found;
}

}  // namespace

bool names_embedding(const std::string& text, const std::string& name) { return !occurrences(text, name).empty(); }

std::string with_embedding(const std::string& text, const std::string& name, bool present) {
  const std::vector<size_t> found = occurrences(text, name);
  if (present) {
    if (!found.empty()) return text;
    size_t kept = text.find_last_not_of(" \t\n");
    if (kept == std::string::npos) return name;
    const std::string body = text.substr(0, kept + 1);
    return body + (body.back() == ',' ? " " : ", ") + name;
  }
  std::string result = text;
  for (auto it = found.rbegin(); it != found.rend(); ++it) {
    size_t begin = *it, end = *it + name.size();
    // "(NAME)" or "(NAME:1.2)": the emphasis goes with it.
    if (begin > 0 && result[begin - 1] == '(') {
      size_t close = end;
      if (close < result.size() && result[close] == ':') {
        ++close;
        while (close < result.size() && std::string("0123456789.- ").find(result[close]) != std::string::npos) ++close;
      }
      if (close < result.size() && result[close] == ')') {
        begin -= 1;
        end = close + 1;
      }
    }
    // Take the separator with it: the one before, or else the one after.
    size_t before = begin;
    while (before > 0 && result[before - 1] == ' ') --before;
    if (before > 0 && result[before - 1] == ',') {
      begin = before - 1;
    } else {
      size_t after = end;
      if (after < result.size() && result[after] == ',') ++after;
      while (after < result.size() && result[after] == ' ') ++after;
      if (after > end && before == 0)
        end = after;  // the first item: its following ", " goes
      else if (before < begin)
        begin = before;  // a word among words: the space before it goes
    }
    result.erase(begin, end - begin);
  }
  return result;
}

}  // namespace diffscope
