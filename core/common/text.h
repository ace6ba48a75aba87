#pragma once
// Small ASCII string helpers shared by the parsers (emoji index, emoji-test,
// A1111 parameters).
#include <algorithm>
#include <cctype>
#include <string>

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

}  // namespace diffscope
