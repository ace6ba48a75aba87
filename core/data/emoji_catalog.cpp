#include "core/data/emoji_catalog.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/common/errors.h"
#include "core/common/text.h"

namespace diffscope {
namespace {

constexpr char32_t kVariationSelector16 = 0xFE0F;

// FNV-1a: a hash that is the same on every machine and every run, so the
// held-out split never changes between the trainer and the evaluation.
uint64_t stable_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Keywords a caption should not teach (the emoji themselves stay, by name):
// whole words, and fragments that make any word crude ("shitface").
const std::set<std::string>& crude_words() {
  static const std::set<std::string> words = {"ass", "butt", "bum",  "crap", "dick",     "nude",
                                              "poo", "sex",  "sexy", "bra",  "diarrhea", "boobs"};
  return words;
}

bool is_crude(const std::string& keyword) {
  static const char* const fragments[] = {"shit", "fuck", "turd", "poop", "penis", "boob"};
  if (crude_words().count(keyword)) return true;
  for (const char* fragment : fragments) {
    if (keyword.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::u32string parse_code_points(const std::string& hex_list) {
  std::u32string sequence;
  std::string item;
  std::istringstream in(hex_list);
  while (in >> item) {
    std::istringstream parts(item);
    for (std::string part; std::getline(parts, part, '-');) {
      char* end = nullptr;
      const unsigned long value = std::strtoul(part.c_str(), &end, 16);
      if (part.empty() || *end != '\0' || value > 0x10FFFF) {
        throw Error("'" + hex_list + "' is not a list of hexadecimal code points");
      }
      sequence.push_back(char32_t(value));
    }
  }
  if (sequence.empty()) throw Error("empty code-point list");
  return sequence;
}

std::string emoji_key(const std::u32string& sequence) {
  std::string key;
  char buffer[16];
  for (char32_t c : sequence) {
    if (c == kVariationSelector16) continue;
    std::snprintf(buffer, sizeof buffer, "%x", unsigned(c));
    if (!key.empty()) key += '-';
    key += buffer;
  }
  return key;
}

std::vector<EmojiInfo> parse_emoji_test(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open");
  // "1F476 1F3FF ; fully-qualified # 👶🏿 E1.0 baby: dark skin tone"
  static const std::regex line_pattern(R"(^([0-9A-Fa-f ]+);\s*fully-qualified\s*#\s*\S+\s+E\d+\.\d+\s+(.+)$)");
  std::vector<EmojiInfo> entries;
  std::string group, subgroup;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# group:", 0) == 0) group = trim(line.substr(8));
    if (line.rfind("# subgroup:", 0) == 0) subgroup = trim(line.substr(11));
    std::smatch m;
    if (!std::regex_match(line, m, line_pattern)) continue;
    EmojiInfo info;
    info.sequence = parse_code_points(m[1].str());
    info.key = emoji_key(info.sequence);
    info.name = trim(m[2].str());
    info.group = group;
    info.subgroup = subgroup;
    entries.push_back(std::move(info));
  }
  if (entries.empty()) throw Error(path.string() + ": no fully-qualified emoji found (not an emoji-test.txt?)");
  return entries;
}

std::filesystem::path find_emoji_test_file() {
  if (const char* own = std::getenv("DIFFSCOPE_EMOJI_TEST"); own && *own) return own;
  const std::filesystem::path debian = "/usr/share/unicode/emoji/emoji-test.txt";
  if (std::filesystem::exists(debian)) return debian;
  throw Error("Unicode's emoji-test.txt is not installed: install the Debian package unicode-data");
}

std::vector<std::string> clean_keywords(const std::vector<std::string>& keywords, const std::string& name) {
  std::set<std::string> name_words;
  std::istringstream words(lower(name));
  for (std::string w; words >> w;) name_words.insert(w);
  std::vector<std::string> out;
  for (const auto& keyword : keywords) {
    const std::string k = trim(lower(keyword));
    if (k.empty() || is_crude(k) || name_words.count(k) || k == lower(name)) continue;
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  return out;
}

std::string pair_caption(const std::string& name, const std::vector<std::string>& keywords, const std::string& style) {
  std::string caption = lower(name);
  for (const auto& k : keywords) caption += ", " + k;
  return caption + ", " + style;
}

bool is_style_held_out_emoji(const std::string& key) { return stable_hash(key) % 10 == 0; }

std::string trained_style_of_held_out(const std::string& key) {
  return (stable_hash(key) / 10) % 2 == 0 ? "emojione" : "noto";
}

}  // namespace diffscope
