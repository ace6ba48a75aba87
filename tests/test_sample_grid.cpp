// Sample grids.
#include "core/training/sample_grid.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/common/errors.h"

using namespace diffscope;

TEST(SampleGrid, PlacesImagesRowByRowWithWhiteGaps) {
  at::Tensor images = at::zeros({5, 4, 6, 3}, at::kByte);
  for (int64_t i = 0; i < 5; ++i) images[i].fill_(10 * (i + 1));
  const at::Tensor grid = training::make_grid(images, 2, 1);
  ASSERT_EQ(grid.sizes(), (std::vector<int64_t>{3 * 4 + 2, 2 * 6 + 1, 3}));
  EXPECT_EQ(grid[0][0][0].item<int>(), 10);
  EXPECT_EQ(grid[0][7][0].item<int>(), 20);    // second column starts after width 6 + gap 1
  EXPECT_EQ(grid[5][0][0].item<int>(), 30);    // second row starts after height 4 + gap 1
  EXPECT_EQ(grid[10][7][0].item<int>(), 255);  // cell 6 is empty: white
  EXPECT_EQ(grid[4][0][0].item<int>(), 255);   // the gap row
}

TEST(SampleGrid, RefusesWrongShapes) {
  EXPECT_THROW(training::make_grid(at::zeros({2, 4, 4}, at::kByte), 2), Error);
  EXPECT_THROW(training::make_grid(at::zeros({2, 4, 4, 3}, at::kFloat), 2), Error);
  EXPECT_THROW(training::make_grid(at::zeros({2, 4, 4, 3}, at::kByte), 0), Error);
}
