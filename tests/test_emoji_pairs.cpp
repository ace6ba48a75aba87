// The built-in model's data set, built for real from ruby-gemojione,
// fonts-noto-color-emoji (rendered with Qt) and unicode-data's emoji-test.txt.
#include "core/data/emoji_pairs.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/common/errors.h"
#include "core/data/emoji_set.h"
#include "core/io/safetensors.h"
#include "tests/support/test_support.h"
#include "tools/dataset/noto_renderer.h"

using namespace diffscope;

namespace {

class EmojiPairsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const dataset::NotoRenderer noto;
    pairs_ = new EmojiPairs(build_emoji_pairs(find_gemojione_dir(), parse_emoji_test(find_emoji_test_file()),
                                              [&](const std::u32string& s) { return noto.render(s); },
                                              load_phrasings(find_cldr_common_dir(), caption_languages())));
  }
  static void TearDownTestSuite() { delete pairs_; }
  static int64_t find(const std::string& key, const std::string& style) {
    for (int64_t i = 0; i < pairs_->size(); ++i) {
      if (pairs_->keys[i] == key && pairs_->styles[i] == style) return i;
    }
    return -1;
  }
  static EmojiPairs* pairs_;
};
EmojiPairs* EmojiPairsTest::pairs_ = nullptr;

}  // namespace

TEST_F(EmojiPairsTest, BothStylesOfAnEmojiShareOneCaptionButTheStyleWord) {
  const int64_t one = find("1f600", "emojione"), noto = find("1f600", "noto");
  ASSERT_GE(one, 0);
  ASSERT_GE(noto, 0);
  EXPECT_EQ(pairs_->names[one], "grinning face");
  EXPECT_EQ(pairs_->captions[one], pairs_->captions[noto].substr(0, pairs_->captions[noto].size() - 4) + "emojione");
  EXPECT_EQ(pairs_->captions[one].rfind("grinning face, ", 0), 0u);
  // Keyed without U+FE0F: the heart is one emoji in both styles.
  EXPECT_GE(find("2764", "emojione"), 0);
  EXPECT_GE(find("2764", "noto"), 0);
}

TEST_F(EmojiPairsTest, SkinTonesAreSeparateEmojiAndImagesAreOnWhite) {
  const int64_t toned = find("1f44d-1f3fd", "noto");
  ASSERT_GE(toned, 0);
  EXPECT_EQ(pairs_->names[toned], "thumbs up: medium skin tone");
  EXPECT_NE(find("1f44d", "noto"), toned);
  EXPECT_EQ(pairs_->images.sizes(), at::IntArrayRef({pairs_->size(), 64, 64, 3}));
  // Corners are white background in both styles.
  EXPECT_EQ(pairs_->images[toned][0][0].sum().item<int64_t>(), 3 * 255);
  EXPECT_GT(pairs_->size(), 5000);
}

TEST_F(EmojiPairsTest, AboutATenthOfTheTwoStyleEmojiHaveOneStyleHeldOut) {
  std::map<std::string, std::pair<int, int>> per_key;  // images, held out
  for (int64_t i = 0; i < pairs_->size(); ++i) {
    auto& [images, held] = per_key[pairs_->keys[i]];
    ++images;
    held += pairs_->held_out[i];
  }
  int both = 0, split = 0;
  for (const auto& [key, counts] : per_key) {
    EXPECT_LE(counts.second, 1) << key;  // never both styles held out
    if (counts.first == 2) ++both;
    if (counts.second == 1) {
      ++split;
      EXPECT_EQ(counts.first, 2) << key << ": only emoji drawn in both styles are split";
    }
  }
  EXPECT_GT(both, 1500);
  EXPECT_NEAR(double(split) / both, 0.10, 0.02);
}

TEST_F(EmojiPairsTest, CaptionsCarryNoCrudeKeywords) {
  for (const auto& caption : pairs_->captions) {
    EXPECT_EQ(caption.find("shit"), std::string::npos) << caption;
    EXPECT_EQ(caption.find("fuck"), std::string::npos) << caption;
    EXPECT_EQ(caption.find(", poop,"), std::string::npos) << caption;
  }
}

TEST_F(EmojiPairsTest, SavesAndLoadsAndRejectsDamage) {
  support::TempDir dir;
  EmojiPairs few;
  few.images = pairs_->images.narrow(0, 0, 5).clone();
  for (int i = 0; i < 5; ++i) {
    few.keys.push_back(pairs_->keys[i]);
    few.names.push_back(pairs_->names[i]);
    few.styles.push_back(pairs_->styles[i]);
    few.captions.push_back(pairs_->captions[i]);
    few.held_out.push_back(i == 3);
    few.phrasings.push_back(pairs_->phrasings[i]);
  }
  few.phrasings[1] = {{"zh", "红苹果", {"水果", "苹果"}}};
  save_emoji_pairs(few, dir / "few.safetensors");
  const EmojiPairs back = load_emoji_pairs(dir / "few.safetensors");
  EXPECT_TRUE(at::equal(back.images, few.images));
  EXPECT_EQ(back.captions, few.captions);
  EXPECT_EQ(back.held_out, few.held_out);
  ASSERT_EQ(back.phrasings.size(), 5u);
  ASSERT_EQ(back.phrasings[1].size(), 1u);
  EXPECT_EQ(back.phrasings[1][0].name, "红苹果");
  EXPECT_EQ(back.phrasings[1][0].keywords, (std::vector<std::string>{"水果", "苹果"}));
  EXPECT_EQ(back.phrasings[0].size(), few.phrasings[0].size());
  const auto size = std::filesystem::file_size(dir / "few.safetensors");
  std::filesystem::resize_file(dir / "few.safetensors", size / 2);
  EXPECT_THROW({ load_emoji_pairs(dir / "few.safetensors"); }, Error);
}

TEST_F(EmojiPairsTest, BothStylesCarryTheEmojisCldrPhrasings) {
  for (const char* style : {"emojione", "noto"}) {
    const int64_t apple = find("1f34e", style);
    ASSERT_GE(apple, 0) << style;
    std::map<std::string, std::string> names;
    for (const auto& p : pairs_->phrasings[size_t(apple)]) names[p.language] = p.name;
    EXPECT_EQ(names["zh"], "红苹果");
    EXPECT_EQ(names["ja"], "赤リンゴ");
    EXPECT_EQ(names.size(), caption_languages().size());
  }
  int64_t with = 0;
  for (const auto& p : pairs_->phrasings) with += !p.empty();
  EXPECT_GT(with, pairs_->size() * 9 / 10);
}

TEST_F(EmojiPairsTest, AVersion1DataSetLoadsWithoutPhrasings) {
  support::TempDir dir;
  std::vector<int> held_out = {0, 1};
  write_safetensors(dir / "v1.safetensors", {{"images", pairs_->images.narrow(0, 0, 2).clone()}},
                    {{"format", "diffscope-emoji-pairs"},
                     {"version", "1"},
                     {"keys", nlohmann::json({pairs_->keys[0], pairs_->keys[1]}).dump()},
                     {"names", nlohmann::json({pairs_->names[0], pairs_->names[1]}).dump()},
                     {"styles", nlohmann::json({pairs_->styles[0], pairs_->styles[1]}).dump()},
                     {"captions", nlohmann::json({pairs_->captions[0], pairs_->captions[1]}).dump()},
                     {"held_out", nlohmann::json(held_out).dump()}});
  const EmojiPairs back = load_emoji_pairs(dir / "v1.safetensors");
  ASSERT_EQ(back.phrasings.size(), 2u);
  EXPECT_TRUE(back.phrasings[0].empty());
  EXPECT_EQ(back.held_out, (std::vector<bool>{false, true}));
}

TEST(NotoRenderer, RefusesWhatTheFontCannotDrawAsOneGlyph) {
  const dataset::NotoRenderer noto;
  EXPECT_FALSE(noto.render(U"\u00e9").defined());     // not an emoji
  EXPECT_TRUE(noto.render(U"\U0001F431").defined());  // cat face
  EXPECT_THROW({ dataset::NotoRenderer("/nonexistent/font.ttf"); }, Error);
}
