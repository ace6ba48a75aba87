#include "core/pipeline/parameter_fields.h"

#include <cstddef>
#include <optional>

#include "core/common/text.h"

namespace diffscope {
namespace {

// The byte classes of the grammar, in the "C" locale (UTF-8 bytes ≥ 0x80 are
// none of them), as std::regex's ECMAScript \w and \s were.
bool is_word(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }
bool is_key_char(char c) { return is_word(c) || c == ' ' || c == '-' || c == '/'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// Where the JSON-quoted value opening at `open` ends (one past its closing
// quote), if it is closed and followed by ',' or the end of the line.
std::optional<size_t> quoted_value_end(const std::string& line, size_t open) {
  for (size_t i = open + 1; i < line.size(); ++i) {
    if (line[i] == '\\') {
      // An escape takes the next character, but not a line break.
      if (i + 1 >= line.size() || line[i + 1] == '\r' || line[i + 1] == '\n') return std::nullopt;
      ++i;
    } else if (line[i] == '"') {
      const size_t end = i + 1;
      if (end == line.size() || line[end] == ',') return end;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::map<std::string, std::string> split_parameter_fields(const std::string& line) {
  std::map<std::string, std::string> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    // The next ':' with a key before it: the key is the run of key characters
    // ending at the ':' (never reaching back before `pos`), from its first
    // word character on.
    const size_t colon = line.find(':', pos);
    if (colon == std::string::npos) break;
    size_t run = colon;
    while (run > pos && is_key_char(line[run - 1])) --run;
    while (run < colon && !is_word(line[run])) ++run;
    if (run == colon) {
      pos = colon + 1;
      continue;
    }
    const std::string key = trim(line.substr(run, colon - run));

    size_t value_start = colon + 1;
    while (value_start < line.size() && is_space(line[value_start])) ++value_start;
    size_t value_end;
    const auto quoted_end =
        value_start < line.size() && line[value_start] == '"' ? quoted_value_end(line, value_start) : std::nullopt;
    if (quoted_end) {
      value_end = *quoted_end;
    } else {
      value_end = line.find(',', value_start);
      if (value_end == std::string::npos) value_end = line.size();
    }
    fields[key] = line.substr(value_start, value_end - value_start);
    pos = value_end < line.size() ? value_end + 1 : value_end;  // past the ','
  }
  return fields;
}

}  // namespace diffscope
