// A grid PNG's record of its axes and cells: written, read back, and
// refused when a stranger's text is not one.
#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/grid/grid_record.h"

namespace diffscope {
namespace {

GridRecord two_by_two() {
  GridRecord record;
  record.x = {"Sampler", {"Euler", "Heun"}};
  record.y = {"CFG Scale", {"CFG Scale: 3", "CFG Scale: 7"}};
  for (size_t y = 0; y < 2; ++y) {
    for (size_t x = 0; x < 2; ++x) record.cells.push_back({x, y, 0, "cat\nSteps: " + std::to_string(x + 2 * y)});
  }
  return record;
}

TEST(GridRecord, RoundTripsAxesAndEveryCellsParameters) {
  const GridRecord read = parse_grid_record(format_grid_record(two_by_two()));
  EXPECT_EQ(read.x.title, "Sampler");
  EXPECT_EQ(read.y.labels, (std::vector<std::string>{"CFG Scale: 3", "CFG Scale: 7"}));
  EXPECT_TRUE(read.z.title.empty());
  ASSERT_EQ(read.cells.size(), 4u);
  EXPECT_EQ(grid_record_cell(read, 1, 1, 0).parameters, "cat\nSteps: 3");
  EXPECT_EQ(grid_record_cell(read, 0, 1, 0).parameters, "cat\nSteps: 2");
  try {
    grid_record_cell(read, 2, 0, 0);
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("2 × 2 × 1"), std::string::npos) << error.what();
  }
}

TEST(GridRecord, AxesAndCellsAreLabelledAsTheGridDrawsThem) {
  const GridRecordAxis sampler = grid_record_axis(parse_grid_axis("sampler=euler,heun"));
  EXPECT_EQ(sampler.title, "Sampler");
  EXPECT_EQ(sampler.labels, (std::vector<std::string>{"Euler", "Heun"}));
  EXPECT_TRUE(grid_record_axis(std::nullopt).title.empty());
  GridRecord record;
  record.x = sampler;
  record.z = grid_record_axis(parse_grid_axis("cfg=3,7"));
  EXPECT_EQ(grid_cell_label(record, 1, 0, 1), "Heun, CFG Scale: 7");
  EXPECT_EQ(grid_cell_label(record, 0, 5, 0), "Euler, CFG Scale: 3");  // no Y axis: its index is not looked at
  EXPECT_EQ(grid_cell_label(record, 9, 0, 0), "CFG Scale: 3");         // out of range: left out
}

TEST(GridRecord, StrangersTextIsRefused) {
  for (const std::string& bad : {
           std::string(""),
           std::string("[]"),
           std::string("{"),
           std::string("{\"x\": 3, \"cells\": []}"),
           std::string("{\"x\": {\"axis\": \"S\", \"values\": [1]}, \"cells\": []}"),
           std::string("{\"x\": {\"axis\": \"S\", \"values\": [\"a\"]}}"),
           std::string("{\"cells\": [{\"x\": 0, \"y\": 0, \"z\": 0}]}"),
           std::string("{\"cells\": [{\"x\": 1, \"y\": 0, \"z\": 0, \"parameters\": \"p\"}]}"),
           std::string("{\"cells\": [{\"x\": -1, \"y\": 0, \"z\": 0, \"parameters\": \"p\"}]}"),
           std::string("{\"cells\": [{\"x\": 0.5, \"y\": 0, \"z\": 0, \"parameters\": \"p\"}]}"),
           std::string("{\"cells\": [7]}"),
       }) {
    EXPECT_THROW(parse_grid_record(bad), Error) << bad;
  }
  EXPECT_EQ(parse_grid_record("{\"cells\": [{\"x\": 0, \"y\": 0, \"z\": 0, \"parameters\": \"p\"}]}").cells.size(), 1u);
}

}  // namespace
}  // namespace diffscope
