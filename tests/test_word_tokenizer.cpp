// The built-in model's word tokenizer.
#include "core/models/ldm/word_tokenizer.h"

#include <gtest/gtest.h>

#include "core/common/errors.h"

using namespace diffscope;
using namespace diffscope::ldm;

TEST(WordTokenizer, SplitsLowerCasedWordsAndKeepsNonAscii) {
  EXPECT_EQ(split_words("Grinning Face, with big-eyes!"),
            (std::vector<std::string>{"grinning", "face", "with", "big", "eyes"}));
  EXPECT_EQ(split_words("piñata 1st"), (std::vector<std::string>{"piñata", "1st"}));
  EXPECT_TRUE(split_words("  ,;: ").empty());
}

TEST(WordTokenizer, VocabularyIsOrderedByFrequencyThenAlphabet) {
  const auto a = build_vocabulary({"cat face, noto", "dog face, noto", "face"});
  const auto b = build_vocabulary({"face", "dog face, noto", "cat face, noto"});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, (std::vector<std::string>{"<pad>", "<unk>", "<start>", "face", "noto", "cat", "dog"}));
}

TEST(WordTokenizer, EncodesKnownWordsWithStartPaddingAndTruncation) {
  WordTokenizer tokenizer(build_vocabulary({"red apple", "green apple"}), 5);
  // vocabulary: <pad> <unk> <start> apple green red
  EXPECT_EQ(tokenizer.encode("Red APPLE"), (std::vector<int64_t>{kStartToken, 5, 3, kPadToken, kPadToken}));
  EXPECT_EQ(tokenizer.encode(""), (std::vector<int64_t>{kStartToken, 0, 0, 0, 0}));
  // Unknown words are left out (never <unk>, whose embedding no caption trained)
  // and reported; they take no place from the known words.
  EXPECT_EQ(tokenizer.encode("purple apple"), (std::vector<int64_t>{kStartToken, 3, 0, 0, 0}));
  EXPECT_EQ(tokenizer.encode("a b c d e red apple"), (std::vector<int64_t>{kStartToken, 5, 3, 0, 0}));
  EXPECT_EQ(tokenizer.read_words("a purple apple"), (std::vector<std::string>{"apple"}));
  EXPECT_EQ(tokenizer.encode("apple apple apple apple apple apple").size(), 5u);
  EXPECT_EQ(tokenizer.encode("<pad> <unk>"), (std::vector<int64_t>{kStartToken, 0, 0, 0, 0}));  // plain unknown words
  EXPECT_EQ(tokenizer.unknown_words("purple apple, PURPLE kiwi"), (std::vector<std::string>{"purple", "kiwi"}));
  EXPECT_EQ(tokenizer.max_words(), 4);
}

TEST(WordTokenizer, LeavesOutTheArticleThatOpensAPrompt) {
  WordTokenizer tokenizer(build_vocabulary({"red apple", "face blowing a kiss", "sign of the horns", "a"}), 8);
  EXPECT_EQ(tokenizer.read_words("a red apple"), (std::vector<std::string>{"red", "apple"}));
  EXPECT_EQ(tokenizer.encode("The red apple"), tokenizer.encode("red apple"));
  EXPECT_EQ(tokenizer.read_words("an apple"), (std::vector<std::string>{"apple"}));  // "an" is unknown here anyway
  // Inside a name, and alone, an article is read as written.
  EXPECT_EQ(tokenizer.read_words("face blowing a kiss"), (std::vector<std::string>{"face", "blowing", "a", "kiss"}));
  EXPECT_EQ(tokenizer.read_words("sign of the horns").size(), 4u);
  EXPECT_EQ(tokenizer.read_words("a"), (std::vector<std::string>{"a"}));
  // Unknown words go first: "a purple apple" opens with "a", then "apple".
  EXPECT_EQ(tokenizer.read_words("a purple apple"), (std::vector<std::string>{"apple"}));
  EXPECT_TRUE(tokenizer.unknown_words("a red apple").empty());  // left out by rule, not unknown
}

TEST(WordTokenizer, ReadsNameAliasesAsTheirWords) {
  const NameAliases aliases({{"roter Apfel", "red apple"}, {"苹果", "green apple"}});
  WordTokenizer tokenizer(build_vocabulary({"red apple", "green apple"}), 8, WordSplit::Bytes, aliases);
  EXPECT_EQ(tokenizer.split("ein Roter Apfel"), (std::vector<std::string>{"ein", "red", "apple"}));
  EXPECT_EQ(tokenizer.encode("ein roter apfel"), tokenizer.encode("red apple"));
  EXPECT_EQ(tokenizer.encode("一个苹果"), tokenizer.encode("green apple"));
  EXPECT_EQ(tokenizer.unknown_words("ein roter Apfel"), (std::vector<std::string>{"ein"}));
  const auto uses = tokenizer.alias_uses("ein roter Apfel und ein 苹果");
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_EQ(uses[0].written, "roter Apfel");
  EXPECT_EQ(uses[0].read_as, "red apple");
  EXPECT_EQ(uses[1].written, "苹果");
}

TEST(WordTokenizer, HugePromptsAreCutNotRefused) {
  WordTokenizer tokenizer(build_vocabulary({"apple"}), 24);
  std::string huge;
  for (int i = 0; i < 200000; ++i) huge += "apple ";
  EXPECT_EQ(tokenizer.encode(huge).size(), 24u);
}

TEST(WordTokenizer, RejectsVocabulariesWithoutTheSpecialTokens) {
  EXPECT_THROW(WordTokenizer({"apple", "pear", "plum"}, 8), Error);
  EXPECT_THROW(WordTokenizer(build_vocabulary({"apple"}), 1), Error);
}

TEST(WordTokenizer, UnicodeSplitFoldsCaseAndWidthInEveryScript) {
  const auto split = [](std::string_view text) { return split_words(text, WordSplit::Unicode); };
  EXPECT_EQ(split("Roter APFEL, Äpfel und Birnen"),
            (std::vector<std::string>{"roter", "apfel", "äpfel", "und", "birnen"}));
  EXPECT_EQ(split("ＡＢＣ ｐｉｎｅａｐｐｌｅ"), (std::vector<std::string>{"abc", "pineapple"}));  // full width
  EXPECT_EQ(split("Côte d’Ivoire, “open”, crème brûlée"),
            (std::vector<std::string>{"côte", "d", "ivoire", "open", "crème", "brûlée"}));
  EXPECT_EQ(split("Straße"), (std::vector<std::string>{"strasse"}));
  EXPECT_EQ(split("고양이 얼굴"), (std::vector<std::string>{"고양이", "얼굴"}));  // Hangul keeps its spaces
}

TEST(WordTokenizer, UnicodeSplitMakesEachChineseCharacterAndKanaAWord) {
  const auto split = [](std::string_view text) { return split_words(text, WordSplit::Unicode); };
  EXPECT_EQ(split("红苹果"), (std::vector<std::string>{"红", "苹", "果"}));
  EXPECT_EQ(split("赤リンゴ、noto"), (std::vector<std::string>{"赤", "リ", "ン", "ゴ", "noto"}));
  EXPECT_EQ(split("ラーメン"), (std::vector<std::string>{"ラ", "ー", "メ", "ン"}));
  EXPECT_EQ(split("りんご2個"), (std::vector<std::string>{"り", "ん", "ご", "2", "個"}));
}

TEST(WordTokenizer, UnicodeSplitKeepsSymbolsAsWordsSoTheyAreReported) {
  const auto split = [](std::string_view text) { return split_words(text, WordSplit::Unicode); };
  EXPECT_EQ(split("🍎 apple ©"), (std::vector<std::string>{"🍎", "apple", "©"}));
  // U+FE0F and the zero-width joiner are folded away; the emoji stay.
  EXPECT_EQ(split("❤️ 👨‍👩‍👧"), (std::vector<std::string>{"❤", "👨", "👩", "👧"}));
  EXPECT_EQ(split(std::string("bad \xff byte")), (std::vector<std::string>{"bad", "\xEF\xBF\xBD", "byte"}));
  WordTokenizer tokenizer(build_vocabulary({"red apple"}, WordSplit::Unicode), 8, WordSplit::Unicode);
  EXPECT_EQ(tokenizer.unknown_words("🍎 red apple"), (std::vector<std::string>{"🍎"}));
}

TEST(WordTokenizer, UnicodeSplitEqualsTheByteSplitOnAscii) {
  for (const char* text : {"Grinning Face, with big-eyes!", "o'clock 1st A-B_c", "  ,;: ", "keycap: #, *"}) {
    EXPECT_EQ(split_words(text, WordSplit::Unicode), split_words(text, WordSplit::Bytes)) << text;
  }
}

TEST(WordTokenizer, TheSplitIsNamedInTheConfig) {
  EXPECT_EQ(word_split_by_name("bytes"), WordSplit::Bytes);
  EXPECT_EQ(word_split_by_name("unicode"), WordSplit::Unicode);
  EXPECT_STREQ(word_split_name(WordSplit::Unicode), "unicode");
  EXPECT_THROW(word_split_by_name("icu"), Error);
  // The same vocabulary reads a Chinese prompt only with the rule it was built with.
  const auto vocabulary = build_vocabulary({"红苹果"}, WordSplit::Unicode);
  WordTokenizer unicode(vocabulary, 8, WordSplit::Unicode), bytes(vocabulary, 8, WordSplit::Bytes);
  EXPECT_TRUE(unicode.unknown_words("红苹果").empty());
  EXPECT_EQ(bytes.unknown_words("红苹果"), (std::vector<std::string>{"红苹果"}));
}

TEST(WordTokenizer, PluralsOfKnownWordsReadAsTheirSingular) {
  WordTokenizer tokenizer(build_vocabulary({"red apple, cherry, tomato, manzana, bus, glass"}), 8);
  const auto id = [&](const char* word) { return tokenizer.word_id(word); };
  EXPECT_EQ(id("apples"), id("apple"));
  EXPECT_EQ(id("cherries"), id("cherry"));
  EXPECT_EQ(id("tomatoes"), id("tomato"));
  EXPECT_EQ(id("manzanas"), id("manzana"));
  EXPECT_EQ(id("buses"), id("bus"));
  EXPECT_EQ(id("glass"), id("glass"));    // a known word ending in s stays itself
  EXPECT_EQ(id("pears"), kUnknownToken);  // no known singular
  EXPECT_EQ(id("ss"), kUnknownToken);
  EXPECT_EQ(id("s"), kUnknownToken);
  EXPECT_TRUE(tokenizer.unknown_words("red apples").empty());
  EXPECT_EQ(tokenizer.unknown_words("red pears"), (std::vector<std::string>{"pears"}));
}
