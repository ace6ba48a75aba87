// The .hex bitmap font reader: glyphs, widths, wrapping, drawing, and files
// that are not fonts.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/io/bitmap_font.h"
#include "tests/support/test_support.h"

namespace diffscope {
namespace {

// 'A' half-width with its top-left pixel set only; U+4E00 full-width with a
// full bottom row; U+FFFD a full left column (a Windows line end on it).
std::string fixed_font() {
  return "0041:8" + std::string(31, '0') + "\n" + "0020:" + std::string(32, '0') + "\n" +
         "4E00:" + std::string(60, '0') + "FFFF\n" + "FFFD:80808080808080808080808080808080\r\n";
}

TEST(BitmapFont, ReadsHalfAndFullWidthGlyphs) {
  const BitmapFont font = BitmapFont::parse_hex(fixed_font());
  EXPECT_EQ(font.glyph_count(), 4u);
  EXPECT_EQ(font.text_width("A"), 8);
  EXPECT_EQ(font.text_width("一"), 16);
  EXPECT_EQ(font.text_width("A一A", 2), 64);
  EXPECT_EQ(font.text_width("é"), 8);          // missing: U+FFFD's width
  EXPECT_EQ(font.text_width("\xff\xfe"), 16);  // invalid UTF-8: two replacements
}

TEST(BitmapFont, DrawsPixelsWhereTheBitmapSaysClippedAtTheEdges) {
  const BitmapFont font = BitmapFont::parse_hex(fixed_font());
  at::Tensor image = at::full({20, 40, 3}, 255, at::kByte);
  font.draw(image, 1, 2, "A一", 1, {10, 20, 30});
  EXPECT_EQ(image[2][1][0].item<int>(), 10);
  EXPECT_EQ(image[2][1][2].item<int>(), 30);
  EXPECT_EQ(image[2][2][0].item<int>(), 255);
  EXPECT_EQ(image[17][9][0].item<int>(), 10);  // 一's bottom row, from x = 9
  EXPECT_EQ(image[17][24][0].item<int>(), 10);
  EXPECT_EQ(image[17][25][0].item<int>(), 255);
  EXPECT_EQ((image != 255).sum().item<int64_t>(), 3 * (1 + 16));
  at::Tensor scaled = at::full({20, 40, 3}, 255, at::kByte);
  font.draw(scaled, 0, 0, "A", 3);
  EXPECT_EQ((scaled.select(2, 0) == 0).sum().item<int64_t>(), 9);
  font.draw(scaled, -5, 18, "一一一", 2);  // off the edges: clipped, no crash
  at::Tensor grey = at::zeros({4, 4, 1}, at::kByte);
  EXPECT_THROW(font.draw(grey, 0, 0, "A"), Error);
}

TEST(BitmapFont, WrapsAtSpacesAndInsideLongWords) {
  const BitmapFont font = BitmapFont::parse_hex(fixed_font());
  EXPECT_EQ(font.wrap("A AA AAA", 24), (std::vector<std::string>{"A", "AA", "AAA"}));
  EXPECT_EQ(font.wrap("A A", 24), (std::vector<std::string>{"A A"}));
  EXPECT_EQ(font.wrap("AAAAA", 16), (std::vector<std::string>{"AA", "AA", "A"}));
  EXPECT_EQ(font.wrap("一一一", 16), (std::vector<std::string>{"一", "一", "一"}));
  EXPECT_EQ(font.wrap("一", 4), (std::vector<std::string>{"一"}));  // one glyph always fits a line
  EXPECT_TRUE(font.wrap("   ", 16).empty());
}

TEST(BitmapFont, RefusesWhatIsNotAHexFontNamingTheLine) {
  for (const std::string& bad :
       std::vector<std::string>{"0041\n", "zz41:" + std::string(32, '0') + "\n", "0041:123\n",
                                "0041:" + std::string(31, '0') + "g\n", "110000:" + std::string(32, '0') + "\n",
                                ":" + std::string(32, '0') + "\n", "123456789:" + std::string(32, '0') + "\n"}) {
    try {
      BitmapFont::parse_hex("0020:" + std::string(32, '0') + "\n" + bad, "x.hex");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("x.hex, line 2"), std::string::npos) << error.what();
    }
  }
  EXPECT_THROW(BitmapFont::read_hex("/nonexistent/font.hex"), Error);
}

TEST(BitmapFont, ReadsTheInstalledUnifont) {
  const auto path = BitmapFont::find_installed();
  if (!path) GTEST_SKIP() << "no GNU Unifont here (Debian's package unifont)";
  const BitmapFont font = BitmapFont::read_hex(*path);
  EXPECT_GT(font.glyph_count(), 50000u);
  EXPECT_EQ(font.text_width("CFG Scale: 7"), 12 * 8);
  EXPECT_EQ(font.text_width("猫"), 16);
}

TEST(BitmapFont, TheEnvironmentNamesAnotherFont) {
  support::TempDir dir;
  const auto file = dir / "mine.hex";
  std::ofstream(file) << fixed_font();
  setenv("DIFFSCOPE_LABEL_FONT", file.c_str(), 1);
  EXPECT_EQ(BitmapFont::find_installed(), file);
  setenv("DIFFSCOPE_LABEL_FONT", (dir / "missing.hex").c_str(), 1);
  EXPECT_FALSE(BitmapFont::find_installed().has_value());
  unsetenv("DIFFSCOPE_LABEL_FONT");
  EXPECT_EQ(BitmapFont::read_hex(file).glyph_count(), 4u);
}

}  // namespace
}  // namespace diffscope
