// Training draws every emoji equally often, whatever its number of skin-tone variants.
#include "core/training/skin_tone_balance.h"

#include <gtest/gtest.h>

#include <map>
#include <numeric>

using namespace diffscope::training;

TEST(SkinToneBalance, KeyLosesOnlyItsFitzpatrickModifiers) {
  EXPECT_EQ(key_without_skin_tones("1f468-1f3fd-200d-1f692"), "1f468-200d-1f692");  // man firefighter: medium
  EXPECT_EQ(key_without_skin_tones("1f44d-1f3fb"), "1f44d");
  EXPECT_EQ(key_without_skin_tones("1f469-1f3fb-200d-2764-200d-1f468-1f3ff"), "1f469-200d-2764-200d-1f468");
  EXPECT_EQ(key_without_skin_tones("1f3fb"), "");  // the modifier shown alone
  EXPECT_EQ(key_without_skin_tones("1f34e"), "1f34e");
  EXPECT_EQ(key_without_skin_tones("1f3fa"), "1f3fa");    // amphora: next to the modifiers, not one
  EXPECT_EQ(key_without_skin_tones("1f3fbb"), "1f3fbb");  // not a five-digit modifier
  EXPECT_EQ(key_without_skin_tones("1f1f8-1f1f8"), "1f1f8-1f1f8");
  EXPECT_EQ(key_without_skin_tones(""), "");
}

TEST(SkinToneBalance, EveryEmojiGetsOneUnitWhateverItsVariants) {
  // Thumbs up in two styles and five tones (one held out: 11 images), an apple
  // in two styles, a rocket in one (its other style held out), a couple whose
  // two people take tones independently.
  std::vector<std::string> keys{"1f34e", "1f34e", "1f680"};
  for (const char* tone : {"", "-1f3fb", "-1f3fc", "-1f3fd", "-1f3fe", "-1f3ff"}) {
    keys.push_back(std::string("1f44d") + tone);
    if (std::string(tone) != "-1f3fe") keys.push_back(std::string("1f44d") + tone);
  }
  for (const char* first : {"-1f3fb", "-1f3ff"}) {
    for (const char* second : {"-1f3fb", "-1f3ff"}) {
      keys.push_back(std::string("1f469") + first + "-200d-2764-200d-1f468" + second);
    }
  }
  const std::vector<double> weights = skin_tone_balanced_weights(keys);
  ASSERT_EQ(weights.size(), keys.size());
  std::map<std::string, double> per_emoji;
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_GT(weights[i], 0.0);
    per_emoji[key_without_skin_tones(keys[i])] += weights[i];
  }
  ASSERT_EQ(per_emoji.size(), 4u);
  for (const auto& [emoji, total] : per_emoji) EXPECT_NEAR(total, 1.0, 1e-12) << emoji;
  EXPECT_DOUBLE_EQ(weights[0], 0.5);       // apple: one of two images
  EXPECT_DOUBLE_EQ(weights[2], 1.0);       // rocket: its only trained image
  EXPECT_DOUBLE_EQ(weights[3], 1.0 / 11);  // thumbs up: one of eleven
  EXPECT_DOUBLE_EQ(weights.back(), 0.25);  // couple: one of four tone pairs
  EXPECT_TRUE(skin_tone_balanced_weights({}).empty());
}
