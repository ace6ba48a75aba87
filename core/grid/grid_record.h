#pragma once
// What a grid's PNG carries besides the picture: its axes and every cell's
// A1111 parameters, so that any cell can be restored from the grid alone.
// Stored as JSON under the text key "DiffScope grid"; the PNG's "parameters"
// is the first cell's, as A1111 writes a grid.
#include <optional>
#include <string>
#include <vector>

#include "core/grid/grid_axes.h"

namespace diffscope {

inline constexpr const char* kGridTextKey = "DiffScope grid";

struct GridRecordAxis {
  std::string title;                // "Sampler"; empty: no such axis
  std::vector<std::string> labels;  // one per value
};

struct GridRecordCell {
  size_t x = 0, y = 0, z = 0;
  std::string parameters;  // A1111's text (parameters_text.h)
};

struct GridRecord {
  GridRecordAxis x, y, z;
  std::vector<GridRecordCell> cells;  // Z, then Y, then X
};

// An axis as the record names it: its title and each value's label; an
// absent axis is an empty one.
GridRecordAxis grid_record_axis(const std::optional<GridAxis>& axis);

// "Heun, CFG Scale: 7": the labels of the cell's values on the grid's axes.
std::string grid_cell_label(const GridRecord& record, size_t x, size_t y, size_t z);

std::string format_grid_record(const GridRecord& record);
// Error saying what is wrong for text that is not such a record (the text of
// a stranger's PNG); never trusts its counts.
GridRecord parse_grid_record(const std::string& text);

// The cell at (x, y, z); Error naming the grid's size when there is none.
const GridRecordCell& grid_record_cell(const GridRecord& record, size_t x, size_t y, size_t z);

}  // namespace diffscope
