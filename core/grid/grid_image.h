#pragma once
// A parameter grid's picture, as A1111's X/Y/Z plot draws it: the cells in
// rows and columns, each column's value written above it, each row's to its
// left, and one such grid per Z value side by side under its own title.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "core/io/bitmap_font.h"

namespace diffscope {

struct GridLayout {
  size_t columns = 1, rows = 1, pages = 1;  // X, Y and Z values
  std::vector<std::string> column_labels;   // empty, or one per column
  std::vector<std::string> row_labels;      // empty, or one per row
  std::vector<std::string> page_titles;     // empty, or one per page
};

// `cells` ((H, W, 3) uint8, pages × rows × columns of them, X fastest) drawn
// on white with their labels in black; cells of different sizes are centred
// in the largest one's box. Without a font (nullptr) no label is drawn and no
// room is left for them. Error for a cell count or label count that does not
// match the layout.
at::Tensor compose_grid(const std::vector<at::Tensor>& cells, const GridLayout& layout, const BitmapFont* font);

}  // namespace diffscope
