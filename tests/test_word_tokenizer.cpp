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

TEST(WordTokenizer, EncodesWithStartUnknownPaddingAndTruncation) {
  WordTokenizer tokenizer(build_vocabulary({"red apple", "green apple"}), 5);
  // vocabulary: <pad> <unk> <start> apple green red
  EXPECT_EQ(tokenizer.encode("Red APPLE"), (std::vector<int64_t>{kStartToken, 5, 3, kPadToken, kPadToken}));
  EXPECT_EQ(tokenizer.encode(""), (std::vector<int64_t>{kStartToken, 0, 0, 0, 0}));
  EXPECT_EQ(tokenizer.encode("purple apple"), (std::vector<int64_t>{kStartToken, kUnknownToken, 3, 0, 0}));
  EXPECT_EQ(tokenizer.encode("apple apple apple apple apple apple").size(), 5u);
  EXPECT_EQ(tokenizer.encode("<pad> <unk>"), (std::vector<int64_t>{kStartToken, 1, 1, 0, 0}));  // plain unknown words
  EXPECT_EQ(tokenizer.unknown_words("purple apple, PURPLE kiwi"), (std::vector<std::string>{"purple", "kiwi"}));
  EXPECT_EQ(tokenizer.max_words(), 4);
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
