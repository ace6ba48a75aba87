#include "core/data/cldr_annotations.h"

#include <unicode/unistr.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/common/errors.h"
#include "core/common/text.h"
#include "core/data/emoji_catalog.h"
#include "core/io/text_file.h"

namespace diffscope {
namespace {

constexpr const char* kInherit = "↑↑↑";
constexpr size_t kMaxLine = 2048;

// XML's five named entities and numeric character references.
std::string decode_xml_text(const std::string& text, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const size_t end = text.find(';', i);
    if (end == std::string::npos || end - i > 12) throw Error(where + ": a '&' that starts no character reference");
    const std::string name = text.substr(i + 1, end - i - 1);
    if (name == "amp") {
      out += '&';
    } else if (name == "lt") {
      out += '<';
    } else if (name == "gt") {
      out += '>';
    } else if (name == "quot") {
      out += '"';
    } else if (name == "apos") {
      out += '\'';
    } else if (name.size() > 1 && name[0] == '#') {
      const bool hex = name[1] == 'x' || name[1] == 'X';
      const std::string digits = name.substr(hex ? 2 : 1);
      char* stop = nullptr;
      const unsigned long code = std::strtoul(digits.c_str(), &stop, hex ? 16 : 10);
      if (digits.empty() || *stop != '\0' || code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
        throw Error(where + ": a bad character reference '&" + name + ";'");
      }
      std::string utf8;
      icu::UnicodeString(UChar32(code)).toUTF8String(utf8);
      out += utf8;
    } else {
      throw Error(where + ": an unknown entity '&" + name + ";'");
    }
    i = end;
  }
  return out;
}

std::string key_of(const std::string& cp) {
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(cp);
  std::u32string sequence;
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    sequence.push_back(char32_t(c));
  }
  return sequence.empty() ? std::string() : emoji_key(sequence);
}

}  // namespace

CldrLanguage parse_cldr_annotations(const std::string& xml, const std::string& where) {
  // One element per line, as CLDR writes them (some with a comment after it);
  // attributes in any order.
  static const std::regex element(R"re(^\s*<annotation\s+cp="([^"]*)"([^>]*)>([^<]*)</annotation>\s*(<!--.*-->)?\s*$)re");
  static const std::regex draft(R"re(\bdraft="([a-z]+)")re");
  static const std::regex tts(R"re(\btype="tts")re");
  CldrLanguage annotations;
  std::istringstream lines(xml);
  int line_number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++line_number;
    if (line.find("<annotation ") == std::string::npos) continue;
    const std::string at = where + ":" + std::to_string(line_number);
    // std::regex recurses per character: a hostile line of megabytes would
    // exhaust the stack. CLDR 41's longest annotation line has under 600 characters.
    if (line.size() > kMaxLine) throw Error(at + ": a line longer than " + std::to_string(kMaxLine) + " bytes");
    std::smatch m;
    if (!std::regex_match(line, m, element)) throw Error(at + ": an annotation this reader cannot read");
    const std::string attributes = m[2].str();
    std::smatch d;
    if (std::regex_search(attributes, d, draft) && d[1].str() == "unconfirmed") continue;
    const std::string text = trim(decode_xml_text(m[3].str(), at));
    if (text.empty() || text == kInherit) continue;
    // CLDR 41's en.xml annotates an empty cp ("whitespace"): nothing to key.
    const std::string key = key_of(decode_xml_text(m[1].str(), at));
    if (key.empty()) continue;
    CldrAnnotation& annotation = annotations[key];
    if (std::regex_search(attributes, tts)) {
      annotation.name = text;
      continue;
    }
    std::istringstream parts(text);
    for (std::string keyword; std::getline(parts, keyword, '|');) {
      keyword = trim(keyword);
      if (keyword.empty() || keyword == kInherit) continue;
      if (std::find(annotation.keywords.begin(), annotation.keywords.end(), keyword) == annotation.keywords.end()) {
        annotation.keywords.push_back(keyword);
      }
    }
  }
  return annotations;
}

CldrLanguage load_cldr_language(const std::filesystem::path& cldr_common, const std::string& language) {
  if (language.empty() || language.find_first_of("/\\.") != std::string::npos) {
    throw Error("'" + language + "' is not a CLDR language code");
  }
  const std::filesystem::path main = cldr_common / "annotations" / (language + ".xml");
  if (!std::filesystem::exists(main)) throw Error(main.string() + ": no CLDR annotations for '" + language + "'");
  CldrLanguage annotations = parse_cldr_annotations(read_text_file(main), main.string());
  const std::filesystem::path derived = cldr_common / "annotationsDerived" / (language + ".xml");
  if (std::filesystem::exists(derived)) {
    for (auto& [key, annotation] : parse_cldr_annotations(read_text_file(derived), derived.string())) {
      annotations.emplace(key, std::move(annotation));  // the main file's entry wins
    }
  }
  return annotations;
}

const std::vector<std::string>& caption_languages() {
  static const std::vector<std::string> languages = {"en", "zh", "es", "de", "fr", "ja"};
  return languages;
}

std::map<std::string, std::vector<Phrasing>> load_phrasings(const std::filesystem::path& cldr_common,
                                                            const std::vector<std::string>& languages) {
  std::map<std::string, std::vector<Phrasing>> phrasings;
  for (const auto& language : languages) {
    for (auto& [key, annotation] : load_cldr_language(cldr_common, language)) {
      Phrasing phrasing{language, std::move(annotation.name), std::move(annotation.keywords)};
      // Crude English keywords go (as in the captions); the name's own words stay
      // as keywords: "apple" alone should draw the red apple too.
      if (language == "en") phrasing.keywords = clean_keywords(phrasing.keywords, "");
      if (phrasing.name.empty() && phrasing.keywords.empty()) continue;
      phrasings[key].push_back(std::move(phrasing));
    }
  }
  return phrasings;
}

std::filesystem::path find_cldr_common_dir() {
  if (const char* own = std::getenv("DIFFSCOPE_CLDR_DIR"); own && *own) {
    if (!std::filesystem::is_directory(std::filesystem::path(own) / "annotations")) {
      throw Error(std::string("DIFFSCOPE_CLDR_DIR=") + own + " holds no annotations/ folder");
    }
    return own;
  }
  const std::filesystem::path debian = "/usr/share/unicode/cldr/common";
  if (std::filesystem::is_directory(debian / "annotations")) return debian;
  throw Error("Unicode CLDR's emoji annotations are not installed: install the Debian package unicode-cldr-core");
}

}  // namespace diffscope
