#include "core/text/caption_match.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/common/errors.h"

using namespace diffscope;

TEST(CaptionMatch, WordsAreLowerCasedAndSingular) {
  EXPECT_EQ(caption_words("Grinning Cats, 100 points!"), (std::vector<std::string>{"grinning", "cat", "100", "point"}));
  EXPECT_EQ(prompt_keywords("a photo of THE red apple and a red car"),
            (std::vector<std::string>{"red", "apple", "car"}));
}

// std::regex recursed once per character and overflowed the stack on ~100 KB.
TEST(CaptionMatch, HugePromptsSplitWithoutOverflow) {
  const std::string word(1000000, 'a');
  EXPECT_EQ(caption_words(word + " b\xc3\xa9" "c"), (std::vector<std::string>{word, "b", "c"}));
}

TEST(CaptionMatch, PicksCaptionsWithTheMostKeywords) {
  const std::vector<std::string> captions = {"red apple, fruit", "green apple, fruit", "red car, vehicle", "banana"};
  EXPECT_EQ(match_captions(captions, "red apple"), (std::vector<int64_t>{0}));
  EXPECT_EQ(match_captions(captions, "apples"), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(match_captions(captions, ""), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(match_captions(captions, "the a of"), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_THROW(match_captions(captions, "spaceship"), Error);
}
