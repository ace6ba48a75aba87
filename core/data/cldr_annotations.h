#pragma once
// Unicode CLDR's emoji annotations (Debian's unicode-cldr-core): for every
// emoji, in about 100 languages, a short name ("red apple", "红苹果",
// "roter Apfel") and keywords ("apple | fruit | red"). The built-in model's
// data set takes captions in people's words from them (issue 22).
// Files: common/annotations/<lang>.xml and common/annotationsDerived/<lang>.xml
// (skin tones, families…), one <annotation cp="…"> element per line.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace diffscope {

struct CldrAnnotation {
  std::string name;                   // the "tts" (short name) entry; may be empty
  std::vector<std::string> keywords;  // in the file's order, each once
};

// Emoji key (emoji_key(): hex code points, U+FE0F dropped) → annotation.
using CldrLanguage = std::map<std::string, CldrAnnotation>;

// The annotations of one file's text. Entries marked draft="unconfirmed", with
// an empty cp, and CLDR's "↑↑↑" (inherit from the parent locale) are skipped; XML character
// references are decoded. Error (with the line number) on an element it
// cannot read, so that a damaged file is never half used in silence.
CldrLanguage parse_cldr_annotations(const std::string& xml, const std::string& where);

// <cldr_common>/annotations/<language>.xml, completed by
// annotationsDerived/<language>.xml where that exists (entries of the first
// win). Error naming the file when the language has no annotations file.
CldrLanguage load_cldr_language(const std::filesystem::path& cldr_common, const std::string& language);

// One emoji in one language's words, as a caption draws from it.
struct Phrasing {
  std::string language;  // "en", "zh", …
  std::string name;
  std::vector<std::string> keywords;
};

// The languages the built-in model's captions are drawn in (issue 22: at least
// English, Chinese, Spanish, German, French and Japanese).
const std::vector<std::string>& caption_languages();

// Emoji key → its phrasings in `languages` (in that order; a language without
// an entry for the emoji is left out). English keywords pass clean_keywords'
// filter of crude words (words of the name stay).
std::map<std::string, std::vector<Phrasing>> load_phrasings(const std::filesystem::path& cldr_common,
                                                            const std::vector<std::string>& languages);

// $DIFFSCOPE_CLDR_DIR, else /usr/share/unicode/cldr/common; Error naming the
// Debian package when neither holds annotations/.
std::filesystem::path find_cldr_common_dir();

}  // namespace diffscope
