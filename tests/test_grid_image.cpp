// A grid's picture: every cell where the layout puts it, pixel for pixel,
// labels in their bands, and layouts that do not fit refused.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/grid/grid_image.h"

namespace diffscope {
namespace {

// Every glyph a solid 8 × 16 block: where text is drawn is easy to find.
BitmapFont block_font() {
  std::string hex;
  for (const char* code : {"0020", "0041", "0042", "0043", "FFFD"})
    hex += std::string(code) + ":" + std::string(32, 'F') + "\n";
  return BitmapFont::parse_hex(hex);
}

std::vector<at::Tensor> coloured_cells(size_t count, int64_t side) {
  std::vector<at::Tensor> cells;
  for (size_t i = 0; i < count; ++i) cells.push_back(at::full({side, side, 3}, int(10 + 20 * i), at::kByte));
  return cells;
}

bool dark_in(const at::Tensor& canvas, int64_t top, int64_t height, int64_t left, int64_t width) {
  return (canvas.narrow(0, top, height).narrow(1, left, width) == 0).any().item<bool>();
}

TEST(GridImage, WithoutAFontTheCellsTileExactly) {
  const auto cells = coloured_cells(6, 8);
  GridLayout layout{3, 2, 1, {"A", "B", "C"}, {"A", "B"}, {}};
  const at::Tensor grid = compose_grid(cells, layout, nullptr);
  ASSERT_EQ(grid.sizes(), (at::IntArrayRef{16, 24, 3}));
  for (size_t i = 0; i < 6; ++i) {
    const int64_t row = int64_t(i / 3), column = int64_t(i % 3);
    EXPECT_TRUE(at::equal(grid.narrow(0, row * 8, 8).narrow(1, column * 8, 8), cells[i])) << i;
  }
}

TEST(GridImage, LabelsSitAboveColumnsLeftOfRowsAndOverPages) {
  const BitmapFont font = block_font();
  const auto cells = coloured_cells(8, 64);
  GridLayout layout{2, 2, 2, {"A", "B"}, {"AB", "C"}, {"A", "B"}};
  const at::Tensor grid = compose_grid(cells, layout, &font);
  // Scale 1, padding 4: a title band and a column band of 24 each, a row
  // band of 2 glyphs + 8 = 24; pages 2 × 24 + 2 × 64 = 152 wide, 32 apart.
  ASSERT_EQ(grid.sizes(), (at::IntArrayRef{24 + 24 + 128, 152 * 2 + 32, 3}));
  for (int page = 0; page < 2; ++page) {
    const int64_t left = page * (152 + 32);
    for (int i = 0; i < 4; ++i) {
      const int64_t top = 48 + (i / 2) * 64, x = left + 24 + (i % 2) * 64;
      EXPECT_TRUE(at::equal(grid.narrow(0, top, 64).narrow(1, x, 64), cells[size_t(page * 4 + i)])) << page << i;
    }
    EXPECT_TRUE(dark_in(grid, 0, 24, left, 152)) << "title";
    EXPECT_TRUE(dark_in(grid, 24, 24, left + 24, 64)) << "column 1";
    EXPECT_TRUE(dark_in(grid, 24, 24, left + 88, 64)) << "column 2";
    EXPECT_TRUE(dark_in(grid, 48, 64, left, 24)) << "row 1";
    EXPECT_TRUE(dark_in(grid, 112, 64, left, 24)) << "row 2";
    EXPECT_FALSE(dark_in(grid, 24, 24, left, 24)) << "the corner stays white";
  }
  // The column label is centred over its cell: one glyph, 28 pixels each side.
  EXPECT_TRUE(dark_in(grid, 28, 16, 24 + 28, 8));
  EXPECT_FALSE(dark_in(grid, 28, 16, 24, 28));
}

TEST(GridImage, LargeCellsGetLargerLabelsAndLongLabelsWrap) {
  const BitmapFont font = block_font();
  const auto cells = coloured_cells(1, 512);
  const at::Tensor grid = compose_grid(cells, {1, 1, 1, {"AAAA"}, {}, {}}, &font);
  EXPECT_EQ(grid.size(0), 512 + 16 * 2 + 2 * 8);  // scale 2: one 32-pixel line, padding 8 each side
  const auto small = coloured_cells(1, 32);
  const at::Tensor wrapped = compose_grid(small, {1, 1, 1, {"AA AA AA"}, {}, {}}, &font);
  EXPECT_EQ(wrapped.size(0), 32 + 3 * 16 + 8);  // 24 pixels of text a line
}

TEST(GridImage, CellsOfOtherSizesAreCentred) {
  std::vector<at::Tensor> cells = {at::full({8, 8, 3}, 0, at::kByte), at::full({4, 6, 3}, 7, at::kByte)};
  const at::Tensor grid = compose_grid(cells, {2, 1, 1, {}, {}, {}}, nullptr);
  ASSERT_EQ(grid.sizes(), (at::IntArrayRef{8, 16, 3}));
  EXPECT_TRUE(at::equal(grid.narrow(0, 2, 4).narrow(1, 9, 6), cells[1]));
  EXPECT_EQ(grid[0][9][0].item<int>(), 255);
}

TEST(GridImage, LayoutsThatDoNotFitAreRefused) {
  const auto cells = coloured_cells(4, 8);
  EXPECT_THROW(compose_grid(cells, {3, 1, 1, {}, {}, {}}, nullptr), Error);
  EXPECT_THROW(compose_grid(cells, {2, 2, 1, {"A"}, {}, {}}, nullptr), Error);
  EXPECT_THROW(compose_grid({at::zeros({8, 8}, at::kByte)}, {1, 1, 1, {}, {}, {}}, nullptr), Error);
  EXPECT_THROW(compose_grid({}, {0, 1, 1, {}, {}, {}}, nullptr), Error);
}

}  // namespace
}  // namespace diffscope
