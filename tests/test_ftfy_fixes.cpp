// ftfy.fix_text as CLIP's tokenizer applies it (core/text/ftfy_fixes.h),
// and the whole cleaning CLIP does before splitting, against what Python's
// ftfy and html modules answer (tests/data/clip_clean_cases.json, written by
// tests/tools/make_clip_clean_cases.py: every fullwidth/halfwidth form, C1
// control and stray control character, ligatures, quotes, terminal escapes,
// nested and capitalised references, line breaks, NFC, emoji sequences).
#include "core/text/ftfy_fixes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/text/clip_tokenizer.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

nlohmann::json cases() {
  std::ifstream in(support::source_dir() / "tests" / "data" / "clip_clean_cases.json");
  return nlohmann::json::parse(in).at("cases");
}

}  // namespace

TEST(FtfyFixes, MatchesFtfyOnEveryCase) {
  const nlohmann::json all = cases();
  ASSERT_GT(all.size(), 300u);
  for (const auto& c : all) {
    const std::string text = c.at("text").get<std::string>();
    EXPECT_EQ(ftfy_fix_text(text), c.at("ftfy").get<std::string>()) << nlohmann::json(text).dump();
  }
}

TEST(FtfyFixes, ClipCleansAsOpenAIsTokenizerDoes) {
  for (const auto& c : cases()) {
    const std::string text = c.at("text").get<std::string>();
    EXPECT_EQ(ClipTokenizer::clean_text(text), c.at("clip").get<std::string>()) << nlohmann::json(text).dump();
  }
}

TEST(FtfyFixes, ExamplesReadAsExpected) {
  EXPECT_EQ(ftfy_fix_text("\xEF\xAC\x82u\xEF\xAC\x83"), "fluffi");   // ﬂuﬃ
  EXPECT_EQ(ftfy_fix_text("\xE2\x80\x9Chi\xE2\x80\x9D"), "\"hi\"");  // “hi”
  EXPECT_EQ(ftfy_fix_text("&amp;amp;amp;"), "&");                    // until nothing changes
  EXPECT_EQ(ftfy_fix_text("<b>&amp;</b>"), "<b>&amp;</b>");          // HTML is left alone
  EXPECT_EQ(ftfy_fix_text("\x1B[31mred\x1B[0m"), "red");             // terminal colours
  EXPECT_EQ(ftfy_fix_text(""), "");
}

TEST(FtfyFixes, HostileNestingStaysLinear) {
  // 100,000 levels of "&amp;amp;…": ftfy would take one round per level
  // (100,000 passes over 400 KB); the rounds stop at 64, one level each.
  std::string deep = "&";
  for (int i = 0; i < 100000; ++i) deep += "amp;";
  EXPECT_EQ(ftfy_fix_text(deep).size(), deep.size() - 4 * 64);
  // Invalid UTF-8 reads as U+FFFD, as Python's decoder with errors="replace" would.
  EXPECT_EQ(ftfy_fix_text("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
}
