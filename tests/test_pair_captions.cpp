// What the text encoder reads for a training image: the shipped model's rule
// (one draw per caption) and captions in people's words from the phrasings.
#include "core/data/pair_captions.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace diffscope;

namespace {

EmojiPairs two_apples() {
  EmojiPairs pairs;
  pairs.keys = {"1f34e", "1f34e"};
  pairs.names = {"red apple", "red apple"};
  pairs.styles = {"emojione", "noto"};
  pairs.captions = {"red apple, fruit, emojione", "red apple, fruit, noto"};
  pairs.held_out = {false, false};
  const std::vector<Phrasing> words = {{"en", "red apple", {"apple", "fruit", "red"}},
                                       {"zh", "红苹果", {"水果", "苹果"}},
                                       {"de", "roter Apfel", {"Apfel", "Obst"}}};
  pairs.phrasings = {words, words};
  return pairs;
}

}  // namespace

TEST(PairCaptions, WithoutPhrasingsTheShippedRuleHoldsAndTheEngineIsUntouched) {
  const EmojiPairs pairs = two_apples();
  std::mt19937_64 random(7), untouched(7);
  EXPECT_EQ(training_caption(pairs, 0, 0.05, random), "");
  EXPECT_EQ(training_caption(pairs, 0, 0.20, random), "red apple, emojione");
  EXPECT_EQ(training_caption(pairs, 1, 0.40, random), "red apple");
  EXPECT_EQ(training_caption(pairs, 1, 0.99, random), "red apple, fruit, noto");
  EXPECT_EQ(random(), untouched());  // no extra draws: the shipped model's batches are reproduced
}

TEST(PairCaptions, TheRestOfTheRangeKeepsTheOldProportions) {
  const EmojiPairs pairs = two_apples();
  std::mt19937_64 random(1);
  // share 0.5: u < 0.5 is the old rule on 2u.
  EXPECT_EQ(training_caption(pairs, 0, 0.04, random, 0.5), "");
  EXPECT_EQ(training_caption(pairs, 0, 0.10, random, 0.5), "red apple, emojione");
  EXPECT_EQ(training_caption(pairs, 0, 0.49, random, 0.5), "red apple, fruit, emojione");
}

TEST(PairCaptions, PhrasingsDrawEveryLanguageAndForm) {
  const EmojiPairs pairs = two_apples();
  std::mt19937_64 random(3);
  std::set<std::string> seen;
  int styled = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const std::string caption = training_caption(pairs, 1, 0.9, random, 0.3);
    ASSERT_FALSE(caption.empty());
    seen.insert(caption);
    styled += caption.size() > 6 && caption.compare(caption.size() - 6, 6, ", noto") == 0;
  }
  for (const char* expected : {"红苹果", "roter Apfel", "red apple", "水果", "red apple, noto"}) {
    EXPECT_EQ(seen.count(expected), 1u) << expected;
  }
  bool name_with_keywords = false;
  for (const auto& caption : seen) name_with_keywords |= caption.rfind("红苹果, ", 0) == 0;
  EXPECT_TRUE(name_with_keywords);
  EXPECT_NEAR(double(styled) / n, 0.25, 0.03);
}

TEST(PairCaptions, AnEmojiWithoutPhrasingsFallsBackToTheOldRule) {
  EmojiPairs pairs = two_apples();
  pairs.phrasings = {{}, {}};
  std::mt19937_64 random(5);
  EXPECT_EQ(training_caption(pairs, 0, 0.99, random, 0.3), "red apple, fruit, emojione");
  pairs.phrasings.clear();  // a version-1 data set read by hand
  EXPECT_EQ(training_caption(pairs, 0, 0.40, random, 0.3), "red apple");
}

TEST(PairCaptions, APhrasingWithoutANameUsesItsKeywords) {
  std::mt19937_64 random(9);
  const Phrasing nameless{"fr", "", {"pomme"}};
  for (int i = 0; i < 200; ++i) {
    const std::string caption = phrasing_caption(nameless, "noto", random);
    EXPECT_TRUE(caption == "pomme" || caption == "pomme, noto") << caption;
  }
}

TEST(PairCaptions, VocabularyTextsIncludePhrasingsOnlyWhenAsked) {
  const EmojiPairs pairs = two_apples();
  EXPECT_EQ(vocabulary_texts(pairs, {0, 1}, false),
            (std::vector<std::string>{"red apple, fruit, emojione", "red apple, fruit, noto"}));
  const auto texts = vocabulary_texts(pairs, {0}, true);
  EXPECT_EQ(texts.size(), 1u + 4 + 3 + 3);
  EXPECT_NE(std::find(texts.begin(), texts.end(), "苹果"), texts.end());
}

TEST(PairCaptions, PhrasingsInKeepsOnlyTheAskedLanguagesInTheirOrder) {
  const EmojiPairs pairs = two_apples();
  const auto english = phrasings_in(pairs.phrasings, {"en"});
  ASSERT_EQ(english.size(), 2u);
  ASSERT_EQ(english[0].size(), 1u);
  EXPECT_EQ(english[0][0].name, "red apple");
  const auto two = phrasings_in(pairs.phrasings, {"de", "en"});
  ASSERT_EQ(two[1].size(), 2u);
  EXPECT_EQ(two[1][0].language, "en");  // the data set's order, not the list's
  EXPECT_EQ(two[1][1].language, "de");
  EXPECT_EQ(phrasings_in(pairs.phrasings, {}).at(0).size(), 3u);  // empty: every language
  EXPECT_TRUE(phrasings_in(pairs.phrasings, {"ja"}).at(0).empty());

  // Captions drawn from the English phrasings only never hold another language's words.
  EmojiPairs english_only = pairs;
  english_only.phrasings = english;
  std::mt19937_64 random(5);
  for (int i = 0; i < 500; ++i) {
    const std::string caption = training_caption(english_only, 0, 0.95, random, 0.3);
    EXPECT_EQ(caption.find("Apfel"), std::string::npos) << caption;
    EXPECT_EQ(caption.find("苹果"), std::string::npos) << caption;
  }
  // …and their words are all the vocabulary adds.
  const auto texts = vocabulary_texts(english_only, {0, 1}, true);
  for (const auto& text : texts) EXPECT_EQ(text.find("Obst"), std::string::npos) << text;
}
