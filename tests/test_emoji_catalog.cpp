#include "core/data/emoji_catalog.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;

TEST(EmojiCatalog, KeysDropVariationSelectorsAndAreLowerCase) {
  EXPECT_EQ(emoji_key(parse_code_points("2764 FE0F")), "2764");
  EXPECT_EQ(emoji_key(parse_code_points("1F468 200D 1F469")), "1f468-200d-1f469");
  EXPECT_EQ(emoji_key(parse_code_points("1f3f3-fe0f-200d-1f308")), "1f3f3-200d-1f308");
  EXPECT_EQ(parse_code_points("1F600").front(), char32_t(0x1F600));
  EXPECT_THROW({ parse_code_points("xyz"); }, Error);
  EXPECT_THROW({ parse_code_points(""); }, Error);
}

TEST(EmojiCatalog, ParsesFullyQualifiedLinesWithGroups) {
  support::TempDir dir;
  std::ofstream(dir / "emoji-test.txt") << "# group: Smileys & Emotion\n# subgroup: face-smiling\n"
                                           "1F600 ; fully-qualified # 😀 E1.0 grinning face\n"
                                           "263A FE0F ; fully-qualified # ☺️ E0.6 smiling face\n"
                                           "263A ; unqualified # ☺ E0.6 smiling face\n"
                                           "# group: People & Body\n# subgroup: person\n"
                                           "1F476 1F3FF ; fully-qualified # 👶🏿 E1.0 baby: dark skin tone\n";
  const auto entries = parse_emoji_test(dir / "emoji-test.txt");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].key, "263a");
  EXPECT_EQ(entries[1].sequence.size(), 2u);  // the font still gets U+FE0F
  EXPECT_EQ(entries[1].name, "smiling face");
  EXPECT_EQ(entries[2].name, "baby: dark skin tone");
  EXPECT_EQ(entries[2].group, "People & Body");
  EXPECT_EQ(entries[0].subgroup, "face-smiling");
  std::ofstream(dir / "other.txt") << "not an emoji list\n";
  EXPECT_THROW({ parse_emoji_test(dir / "other.txt"); }, Error);
}

TEST(EmojiCatalog, RealCatalogueHasSkinTonesAsSeparateEmojiAndUniqueKeys) {
  // unicode-data is a build dependency (scripts/install-deps.sh): missing it fails.
  const auto entries = parse_emoji_test(find_emoji_test_file());
  EXPECT_GT(entries.size(), 3000u);
  std::map<std::string, int> keys;
  for (const auto& e : entries) ++keys[e.key];
  for (const auto& [key, count] : keys) EXPECT_EQ(count, 1) << key;
  EXPECT_EQ(keys.count("1f476-1f3ff"), 1u);  // baby: dark skin tone
  // About a tenth of them would be in the held-out split.
  int held_out = 0, noto = 0;
  for (const auto& e : entries) {
    if (!is_style_held_out_emoji(e.key)) continue;
    ++held_out;
    noto += trained_style_of_held_out(e.key) == "noto";
  }
  EXPECT_NEAR(double(held_out) / double(entries.size()), 0.10, 0.02);
  EXPECT_NEAR(double(noto) / held_out, 0.5, 0.1);
}

TEST(EmojiCatalog, CaptionsCleanKeywordsAndEndWithTheStyle) {
  const auto keywords = clean_keywords(
      {"Face", "Grin", "grin", "poop", "happy", "", "grinning face", "shitface", "glass"}, "grinning face");
  EXPECT_EQ(keywords, (std::vector<std::string>{"grin", "happy", "glass"}));
  EXPECT_EQ(pair_caption("Grinning Face", {"grin", "happy"}, "noto"), "grinning face, grin, happy, noto");
}
