// The singulars an English plural is read as (tokenizer and nearest-caption index).
#include "core/models/ldm/singular_forms.h"

#include <gtest/gtest.h>

using diffscope::ldm::singular_candidates;
using Forms = std::vector<std::string>;

TEST(SingularForms, LikeliestSingularFirst) {
  EXPECT_EQ(singular_candidates("cats"), (Forms{"cat"}));
  EXPECT_EQ(singular_candidates("cherries"), (Forms{"cherrie", "cherry", "cherri"}));
  EXPECT_EQ(singular_candidates("boxes"), (Forms{"boxe", "box"}));
  EXPECT_EQ(singular_candidates("tomatoes"), (Forms{"tomatoe", "tomato"}));
  EXPECT_EQ(singular_candidates("manzanas"), (Forms{"manzana"}));
}

TEST(SingularForms, ShortWordsAndNonPluralsHaveNone) {
  EXPECT_TRUE(singular_candidates("bus").empty());  // three letters: as written
  EXPECT_TRUE(singular_candidates("gas").empty());
  EXPECT_TRUE(singular_candidates("apple").empty());
  EXPECT_TRUE(singular_candidates("").empty());
  EXPECT_TRUE(singular_candidates("s").empty());
  EXPECT_EQ(singular_candidates("pies"), (Forms{"pie", "pi"}));  // four letters: no "py"
  EXPECT_EQ(singular_candidates("eyes"), (Forms{"eye", "ey"}));
}
