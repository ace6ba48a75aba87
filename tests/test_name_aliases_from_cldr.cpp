// The built-in model's name aliases made from CLDR names: which names become
// aliases and which are left out; and its nearest-caption index.
#include "core/training/name_aliases_from_cldr.h"

#include <gtest/gtest.h>

using namespace diffscope;

namespace {

// Three emoji, each in one image; the third is a held-out image.
EmojiPairs pairs_with_names() {
  EmojiPairs pairs;
  pairs.names = {"red apple", "banana", "pear"};
  pairs.styles = {"noto", "emojione", "noto"};
  pairs.captions = {"red apple, fruit, red, noto", "banana, fruit, yellow, emojione", "pear, fruit, noto"};
  pairs.held_out = {false, false, true};
  pairs.phrasings = {
      {{"en", "red apple", {"apple", "fruit"}}, {"de", "roter Apfel", {"Apfel", "Obst"}}, {"zh", "红苹果", {"苹果"}}},
      {{"de", "Banane", {"Obst"}}, {"es", "plátano", {"fruta"}}, {"fr", "apple", {}}, {"ja", "roter Apfel", {}}},
      {{"de", "Birne", {"Obst"}}},
  };
  return pairs;
}

}  // namespace

TEST(NameAliasesFromCldr, NamesInOtherLanguagesOnly) {
  const std::vector<std::string> vocabulary = {"<pad>", "<unk>", "<start>", "red", "apple", "banana"};
  const auto aliases = cldr_name_aliases(pairs_with_names(), {0, 1}, vocabulary, ldm::WordSplit::Bytes);
  // "roter Apfel" names two emoji here (de for one, ja for the other): left
  // out; "apple" is a word the model knows; keywords never become aliases;
  // the held-out image's emoji (not in `images`) gives none.
  const std::map<std::string, std::string> expected = {
      {"红苹果", "red apple"}, {"Banane", "banana"}, {"plátano", "banana"}};
  EXPECT_EQ(aliases, expected);
}

TEST(NameAliasesFromCldr, KnownWordsAreReadByTheModelsOwnRule) {
  // Under the Unicode rule "红苹果" is three words; all known, so no alias.
  const std::vector<std::string> vocabulary = {"<pad>", "<unk>", "<start>", "红", "苹", "果"};
  const auto aliases = cldr_name_aliases(pairs_with_names(), {0}, vocabulary, ldm::WordSplit::Unicode);
  EXPECT_EQ(aliases.count("红苹果"), 0u);
  EXPECT_EQ(aliases.at("roter Apfel"), "red apple");
}

TEST(NameAliasesFromCldr, TheCaptionIndexHoldsEachEmojisWordsOnce) {
  EmojiPairs pairs = pairs_with_names();
  // A name with commas, as "family: man, woman, boy" has: its keywords follow it.
  pairs.names.push_back("family: man, woman");
  pairs.styles.push_back("noto");
  pairs.captions.push_back("family: man, woman, family, home, noto");
  pairs.held_out.push_back(false);
  pairs.phrasings.push_back({});
  const ldm::CaptionPhrases index = caption_phrases(pairs, {0, 1, 3});
  // Training keywords, then every language's CLDR name and keywords, cut by
  // the Unicode rule (a Chinese character is a word), each word once, in one
  // phrase; the held-out pear has none.
  const ldm::CaptionPhrases expected = {
      {"red apple", {"apfel apple fruit obst red roter 果 红 苹"}},
      {"banana", {"apfel apple banane fruit fruta obst plátano roter yellow"}},
      {"family: man, woman", {"family home"}}};
  EXPECT_EQ(index, expected);
  EXPECT_EQ(caption_styles(pairs), (std::vector<std::string>{"emojione", "noto"}));
}
