#pragma once
// Names in other words for what the built-in model knows: "Banane", "香蕉",
// "plátano" → "banana". A model may carry them in a file beside its config
// (name_aliases_file.h; made from Unicode CLDR's emoji names by
// `train --name-aliases`);
// before a prompt is cut into words, each alias found in it is read as the
// caption words it stands for, so a German, Chinese or Spanish name reaches the
// model as the name it was trained on. Words no alias covers stay as written
// (and an unknown one is still reported).
//
// Matching ignores case (Unicode simple case folding, per character) and takes
// the longest alias at each place, left to right. An alias in a script written
// with spaces matches whole words only ("pomme" not inside "pommes"); one in
// Chinese characters or kana matches anywhere (those scripts have no spaces:
// "一根黄色的香蕉" holds "香蕉") — unless it is a single character, which
// must stand alone ("猫", not the "的" of "黄色的", which Japanese CLDR uses as
// the name of 🎯).
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace diffscope::ldm {

struct AliasUse {
  std::string written;  // as it stands in the prompt
  std::string read_as;  // the words the model reads instead
};

class NameAliases {
 public:
  NameAliases() = default;
  // alias → the words it stands for. Error on an empty alias or replacement.
  explicit NameAliases(const std::map<std::string, std::string>& aliases);

  bool empty() const { return by_first_.empty(); }
  // The prompt with every alias replaced by its words (set apart by spaces);
  // `uses`, when given, receives each replacement in prompt order.
  std::string apply(std::string_view prompt, std::vector<AliasUse>* uses = nullptr) const;

 private:
  struct Entry {
    std::u32string folded;
    std::string read_as;
  };
  // By the alias's first folded character; longest first.
  std::unordered_map<char32_t, std::vector<Entry>> by_first_;
};

}  // namespace diffscope::ldm
