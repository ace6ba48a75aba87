#pragma once
// Small ASCII string helpers shared by the parsers (emoji index, emoji-test,
// A1111 parameters).
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace diffscope {

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

inline std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return s;
}

// Without leading and trailing spaces, tabs and carriage returns.
inline std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

// "a, b, c" for {"a", "b", "c"} with ", " as the separator.
inline std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
  return text;
}

}  // namespace diffscope
