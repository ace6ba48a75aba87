// Name aliases: other words for what the built-in model knows, read before a
// prompt is cut into words.
#include "core/models/ldm/name_aliases.h"

#include <gtest/gtest.h>

#include "core/common/errors.h"

using namespace diffscope;
using namespace diffscope::ldm;

namespace {

const NameAliases& aliases() {
  static const NameAliases instance({{"Banane", "banana"},
                                     {"roter Apfel", "red apple"},
                                     {"Apfel", "green apple"},
                                     {"香蕉", "banana"},
                                     {"的", "bullseye"},
                                     {"猫", "cat"},
                                     {"arc-en-ciel", "rainbow"},
                                     {"Äpfel", "apples"},
                                     {"pomme", "apple"}});
  return instance;
}

}  // namespace

TEST(NameAliases, ReplacesWholeWordsIgnoringCase) {
  EXPECT_EQ(aliases().apply("eine gelbe BANANE"), "eine gelbe  banana ");
  EXPECT_EQ(aliases().apply("ÄPFEL"), " apples ");  // case folding beyond ASCII
  EXPECT_EQ(aliases().apply("un arc-en-ciel, noto"), "un  rainbow , noto");
  // Not inside another word, in scripts written with spaces.
  EXPECT_EQ(aliases().apply("pommes bananenbrot"), "pommes bananenbrot");
  EXPECT_EQ(aliases().apply("pomme."), " apple .");
}

TEST(NameAliases, LongestAliasWinsLeftToRight) {
  EXPECT_EQ(aliases().apply("ein roter Apfel"), "ein  red apple ");
  EXPECT_EQ(aliases().apply("Apfel roter"), " green apple  roter");
  std::vector<AliasUse> uses;
  aliases().apply("Banane und roter Apfel", &uses);
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_EQ(uses[0].written, "Banane");
  EXPECT_EQ(uses[0].read_as, "banana");
  EXPECT_EQ(uses[1].written, "roter Apfel");
  EXPECT_EQ(uses[1].read_as, "red apple");
}

TEST(NameAliases, ChineseAndKanaMatchAnywhere) {
  // No spaces between words: the alias is found inside the run of characters.
  EXPECT_EQ(aliases().apply("一根黄色的香蕉"), "一根黄色的 banana ");
  EXPECT_EQ(aliases().apply("香蕉和Banane"), " banana 和 banana ");
  // A single character only where it stands alone.
  EXPECT_EQ(aliases().apply("黄色的猫"), "黄色的猫");
  EXPECT_EQ(aliases().apply("猫, 的"), " cat ,  bullseye ");
}

TEST(NameAliases, OtherTextPassesUnchanged) {
  EXPECT_EQ(NameAliases().apply("Banane"), "Banane");
  EXPECT_EQ(aliases().apply(""), "");
  const std::string invalid = std::string("Banane \xff\xfe ") + "Ban\xc3";  // invalid UTF-8 kept as it was
  EXPECT_EQ(aliases().apply(invalid), std::string(" banana  \xff\xfe Ban\xc3"));
  std::string huge;
  for (int i = 0; i < 100000; ++i) huge += "Banane ";
  EXPECT_EQ(aliases().apply(huge).size(), huge.size() + 2 * 100000);  // each "Banane " → " banana  "
}

TEST(NameAliases, RefusesEmptyEntries) {
  using Map = std::map<std::string, std::string>;
  EXPECT_THROW(NameAliases(Map{{"", "banana"}}), Error);
  EXPECT_THROW(NameAliases(Map{{"Banane", ""}}), Error);
}
