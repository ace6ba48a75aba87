#include "core/text/prompt_schedule.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

namespace diffscope {
namespace {

// The index of the ']' closing the '[' at `open`, skipping escapes and
// nested brackets of both kinds; npos where it is not closed.
size_t closing_bracket(const std::string& text, size_t open) {
  int square = 0, round = 0;
  for (size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '(') ++round;
    if (c == ')' && round > 0) --round;
    if (c == '[') ++square;
    if (c == ']' && --square == 0) return i;
  }
  return std::string::npos;
}

// `inner` split at `separator` where it is outside nested brackets and not escaped.
std::vector<std::string> split_top_level(const std::string& inner, char separator) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (size_t i = 0; i < inner.size(); ++i) {
    const char c = inner[i];
    if (c == '\\' && i + 1 < inner.size()) {
      parts.back() += inner.substr(i, 2);
      ++i;
      continue;
    }
    if (c == '[' || c == '(') ++depth;
    if ((c == ']' || c == ')') && depth > 0) --depth;
    if (c == separator && depth == 0) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\n") - first + 1);
}

// A1111's "when": with a decimal point a fraction of the steps, else a step;
// capped at the step count. -1 where it is no number.
int when_step(const std::string& text, int steps) {
  const std::string s = trim(text);
  if (s.empty() || s.size() > 32) return -1;
  bool dot = false;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return -1;
    }
  }
  if (s == ".") return -1;
  const double value = std::stod(s);
  return static_cast<int>(std::min<double>(steps, std::floor(dot ? value * steps : value)));
}

// Expands `text` at `step`; *scheduled tells whether any construct applied.
std::string expand(const std::string& text, int step, int steps, bool* scheduled, int depth = 0) {
  if (depth > 32) return text;  // deeper nesting is read literally
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      out += text.substr(i, 2);
      ++i;
      continue;
    }
    const size_t close = c == '[' ? closing_bracket(text, i) : std::string::npos;
    if (close == std::string::npos) {
      out += c;
      continue;
    }
    const std::string inner = text.substr(i + 1, close - i - 1);
    const auto options = split_top_level(inner, '|');
    const auto parts = split_top_level(inner, ':');
    if (options.size() > 1) {  // [a|b|…]
      *scheduled = true;
      out += expand(options[size_t(step - 1) % options.size()], step, steps, scheduled, depth + 1);
    } else if ((parts.size() == 2 || parts.size() == 3) && when_step(parts.back(), steps) >= 0) {
      *scheduled = true;  // [to:when] or [from:to:when]
      const int when = when_step(parts.back(), steps);
      const std::string before = parts.size() == 3 ? parts[0] : std::string();
      const std::string& after = parts.size() == 3 ? parts[1] : parts[0];
      out += expand(step <= when ? before : after, step, steps, scheduled, depth + 1);
    } else {  // de-emphasis or text: kept, its inside expanded
      out += '[' + expand(inner, step, steps, scheduled, depth + 1) + ']';
    }
    i = close;
  }
  return out;
}

}  // namespace

bool has_prompt_schedule(const std::string& prompt) {
  bool scheduled = false;
  expand(prompt, 1, 1000, &scheduled);
  return scheduled;
}

std::string prompt_at_step(const std::string& prompt, int step, int steps) {
  bool scheduled = false;
  return expand(prompt, std::max(1, step), std::max(1, steps), &scheduled);
}

std::string prompt_at_call(const std::string& prompt, int call, int calls) {
  return prompt_at_step(prompt, std::max(1, call), calls);
}

}  // namespace diffscope
