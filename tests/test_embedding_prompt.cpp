// The app's embedding list writes names into prompts and takes them out,
// leaving the rest of the user's text as it was.
#include "core/models/adapters/embedding_prompt.h"

#include <gtest/gtest.h>

using namespace diffscope;

TEST(EmbeddingPrompt, ANameIsAWholeWordInAnyCase) {
  EXPECT_TRUE(names_embedding("lowres, EasyNegative", "EasyNegative"));
  EXPECT_TRUE(names_embedding("(easynegative:1.2), lowres", "EasyNegative"));
  EXPECT_FALSE(names_embedding("EasyNegativeV2, lowres", "EasyNegative"));
  EXPECT_FALSE(names_embedding("my_EasyNegative", "EasyNegative"));
  EXPECT_FALSE(names_embedding("bad-hands-5", "hands"));
  EXPECT_FALSE(names_embedding("anything", ""));
}

TEST(EmbeddingPrompt, AddingAppendsOnceAfterAComma) {
  EXPECT_EQ(with_embedding("", "EasyNegative", true), "EasyNegative");
  EXPECT_EQ(with_embedding("  ", "EasyNegative", true), "EasyNegative");
  EXPECT_EQ(with_embedding("lowres", "EasyNegative", true), "lowres, EasyNegative");
  EXPECT_EQ(with_embedding("lowres, ", "EasyNegative", true), "lowres, EasyNegative");
  EXPECT_EQ(with_embedding("lowres, easynegative", "EasyNegative", true), "lowres, easynegative");
}

TEST(EmbeddingPrompt, RemovingTakesTheSeparatorAndEmphasisWithIt) {
  EXPECT_EQ(with_embedding("lowres, EasyNegative", "EasyNegative", false), "lowres");
  EXPECT_EQ(with_embedding("EasyNegative, lowres", "EasyNegative", false), "lowres");
  EXPECT_EQ(with_embedding("lowres, EasyNegative, blurry", "EasyNegative", false), "lowres, blurry");
  EXPECT_EQ(with_embedding("a EasyNegative cat", "EasyNegative", false), "a cat");
  EXPECT_EQ(with_embedding("EasyNegative", "EasyNegative", false), "");
  EXPECT_EQ(with_embedding("lowres, (EasyNegative:1.2)", "EasyNegative", false), "lowres");
  EXPECT_EQ(with_embedding("(EasyNegative), lowres, easynegative", "EasyNegative", false), "lowres");
  EXPECT_EQ(with_embedding("EasyNegativeV2, lowres", "EasyNegative", false), "EasyNegativeV2, lowres");
}
