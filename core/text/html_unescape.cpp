#include "core/text/html_unescape.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace diffscope {
namespace {

struct HtmlEntity {
  const char* name;
  const char* value;
};
struct InvalidCharref {
  unsigned code;
  const char* value;
};
#include "html_entities.inc"  // generated: kHtml5Entities, kInvalidCharrefs, kInvalidCodepoints, kCapitalisedEntities

const std::unordered_map<std::string_view, std::string_view>& named() {
  static const auto* table = [] {
    auto* map = new std::unordered_map<std::string_view, std::string_view>;
    for (const HtmlEntity& entity : kHtml5Entities) map->emplace(entity.name, entity.value);
    return map;
  }();
  return *table;
}

const std::unordered_map<std::string_view, std::string_view>& capitalised() {
  static const auto* table = [] {
    auto* map = new std::unordered_map<std::string_view, std::string_view>;
    for (const HtmlEntity& entity : kCapitalisedEntities) map->emplace(entity.name, entity.value);
    return map;
  }();
  return *table;
}

bool is_ascii_alnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

std::string utf8(uint32_t code) {
  std::string out;
  if (code < 0x80) {
    out += char(code);
  } else if (code < 0x800) {
    out += char(0xC0 | (code >> 6)), out += char(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += char(0xE0 | (code >> 12)), out += char(0x80 | ((code >> 6) & 0x3F)), out += char(0x80 | (code & 0x3F));
  } else {
    out += char(0xF0 | (code >> 18)), out += char(0x80 | ((code >> 12) & 0x3F));
    out += char(0x80 | ((code >> 6) & 0x3F)), out += char(0x80 | (code & 0x3F));
  }
  return out;
}

// What Python's html._replace_charref gives for &#NUM; (`huge`: beyond any code point).
std::string numeric(uint64_t code, bool huge) {
  static const auto* invalid = [] {
    auto* map = new std::unordered_map<uint64_t, std::string_view>;
    for (const InvalidCharref& ref : kInvalidCharrefs) map->emplace(ref.code, ref.value);
    return map;
  }();
  static const std::unordered_set<uint64_t> dropped(std::begin(kInvalidCodepoints), std::end(kInvalidCodepoints));
  if (!huge) {
    if (const auto it = invalid->find(code); it != invalid->end()) return std::string(it->second);
  }
  if (huge || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return "\xEF\xBF\xBD";  // U+FFFD
  if (dropped.count(code) != 0) return "";
  return utf8(static_cast<uint32_t>(code));
}

bool is_digit(char c, bool hex) {
  return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

// Bytes in the UTF-8 sequence that starts with `lead` (1 for stray bytes).
size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Python's regex for a named reference: up to 32 characters none of
// "\t\n\f <&#;", then an optional ';'. Returns the byte offsets of each
// character's end (so prefixes can be cut in characters), empty if none.
std::vector<size_t> name_at(const std::string& s, size_t start) {
  std::vector<size_t> ends;
  size_t i = start;
  while (i < s.size() && ends.size() < 32) {
    const char c = s[i];
    if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#' || c == ';') break;
    i = std::min(s.size(), i + sequence_length(static_cast<unsigned char>(c)));
    ends.push_back(i);
  }
  if (!ends.empty() && i < s.size() && s[i] == ';') ends.push_back(i + 1);
  return ends;
}

}  // namespace

std::string html_unescape(const std::string& s) {
  if (s.find('&') == std::string::npos) return s;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    const size_t start = i + 1;
    if (start < s.size() && s[start] == '#') {
      // Python tries "#digits" first, then "#x hexdigits".
      const bool hex = start + 1 < s.size() && (s[start + 1] == 'x' || s[start + 1] == 'X');
      size_t k = start + 1 + (hex ? 1 : 0);
      const size_t digits = k;
      uint64_t code = 0;
      bool huge = false;
      for (; k < s.size() && is_digit(s[k], hex); ++k) {
        const char c = s[k];
        const unsigned digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        code = code * (hex ? 16 : 10) + digit;
        huge = huge || code > 0x10FFFF;
        if (huge) code = 0x110000;  // keep it bounded; only "beyond U+10FFFF" matters
      }
      if (k == digits) {  // "&#" or "&#x" without digits: not a reference
        out += '&';
        ++i;
        continue;
      }
      out += numeric(code, huge);
      i = k < s.size() && s[k] == ';' ? k + 1 : k;
      continue;
    }
    const std::vector<size_t> ends = name_at(s, start);
    if (ends.empty()) {
      out += '&';
      ++i;
      continue;
    }
    const std::string_view whole(s.data() + start, ends.back() - start);
    const auto& table = named();
    if (const auto it = table.find(whole); it != table.end()) {
      out += it->second;
    } else {
      // The longest prefix of at least two characters that is a name
      // (legacy names without ';', e.g. "&copyright" → "©right").
      bool found = false;
      for (size_t x = ends.size() - 1; x >= 2 && !found; --x) {
        const std::string_view prefix(s.data() + start, ends[x - 1] - start);
        if (const auto it = table.find(prefix); it != table.end()) {
          out += it->second;
          out += whole.substr(prefix.size());
          found = true;
        }
      }
      if (!found) {
        out += '&';
        out += whole;
      }
    }
    i = ends.back();
  }
  return out;
}

std::string ftfy_unescape_html(const std::string& s) {
  if (s.find('&') == std::string::npos) return s;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    // ftfy's pattern &#?[0-9A-Za-z]{1,24}; — the run of letters and digits
    // cannot contain ';', so it matches only where the whole run is followed by one.
    size_t end = i + 1;
    if (s[i] == '&') {
      if (end < s.size() && s[end] == '#') ++end;
      const size_t run = end;
      while (end < s.size() && is_ascii_alnum(s[end])) ++end;
      const size_t length = end - run;
      if (length >= 1 && length <= 24 && end < s.size() && s[end] == ';') {
        const std::string reference = s.substr(i, end + 1 - i);
        const std::string_view name(reference.data() + 1, reference.size() - 1);
        if (const auto it = named().find(name); it != named().end()) {
          out += it->second;
        } else if (const auto cap = capitalised().find(name); cap != capitalised().end()) {
          out += cap->second;
        } else if (reference[1] == '#') {
          const std::string read = html_unescape(reference);
          out += read.find(';') == std::string::npos ? read : reference;
        } else {
          out += reference;
        }
        i = end + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

}  // namespace diffscope
