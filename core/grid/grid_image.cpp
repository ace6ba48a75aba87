#include "core/grid/grid_image.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/common/errors.h"

namespace diffscope {
namespace {

// Labels grow with the cells: 16-pixel glyphs on cells up to 383 pixels,
// twice that from 384 (a 512² SD image), and so on.
int label_scale(int64_t cell_width, int64_t cell_height) {
  return static_cast<int>(std::clamp<int64_t>((std::min(cell_width, cell_height) + 128) / 256, 1, 4));
}

struct Block {  // wrapped lines of one label
  std::vector<std::string> lines;
  int height(int scale) const { return static_cast<int>(lines.size()) * BitmapFont::kGlyphHeight * scale; }
};

std::vector<Block> wrap_all(const std::vector<std::string>& labels, const BitmapFont& font, int width, int scale) {
  std::vector<Block> blocks;
  for (const std::string& label : labels) blocks.push_back({font.wrap(label, width, scale)});
  return blocks;
}

// Each line of `block` centred in [left, left + width), from `top` down.
void draw_centred(at::Tensor& canvas, const BitmapFont& font, const Block& block, int left, int width, int top,
                  int scale) {
  for (const std::string& line : block.lines) {
    font.draw(canvas, left + (width - font.text_width(line, scale)) / 2, top, line, scale);
    top += BitmapFont::kGlyphHeight * scale;
  }
}

}  // namespace

at::Tensor compose_grid(const std::vector<at::Tensor>& cells, const GridLayout& layout, const BitmapFont* font) {
  const size_t count = layout.columns * layout.rows * layout.pages;
  if (count == 0 || cells.size() != count) {
    throw Error("a grid of " + std::to_string(layout.columns) + " × " + std::to_string(layout.rows) + " × " +
                std::to_string(layout.pages) + " cells got " + std::to_string(cells.size()) + " images");
  }
  const auto labels_fit = [](const std::vector<std::string>& labels, size_t n) {
    return labels.empty() || labels.size() == n;
  };
  if (!labels_fit(layout.column_labels, layout.columns) || !labels_fit(layout.row_labels, layout.rows) ||
      !labels_fit(layout.page_titles, layout.pages)) {
    throw Error("a grid's labels do not match its rows, columns or pages");
  }
  int64_t cell_h = 0, cell_w = 0;
  for (const at::Tensor& cell : cells) {
    if (cell.dim() != 3 || cell.size(2) != 3 || cell.scalar_type() != at::kByte) {
      throw Error("a grid cell is not an (H, W, 3) uint8 image");
    }
    cell_h = std::max(cell_h, cell.size(0));
    cell_w = std::max(cell_w, cell.size(1));
  }
  const int scale = label_scale(cell_w, cell_h);
  const int pad = 4 * scale;
  const int line = BitmapFont::kGlyphHeight * scale;

  // Room for the labels: columns' as high as the tallest wrapped label, rows'
  // as wide as the widest (at most a cell's width or 10 glyphs, whichever is more).
  std::vector<Block> column_blocks, row_blocks, title_blocks;
  int column_band = 0, row_band = 0, title_band = 0;
  const int page_width_cells = static_cast<int>(cell_w * int64_t(layout.columns));
  if (font) {
    column_blocks = wrap_all(layout.column_labels, *font, static_cast<int>(cell_w) - 2 * pad, scale);
    const int row_text = std::max(static_cast<int>(cell_w), 10 * 16 * scale);
    row_blocks = wrap_all(layout.row_labels, *font, row_text, scale);
    for (const Block& block : column_blocks) column_band = std::max(column_band, block.height(scale) + 2 * pad);
    for (const Block& block : row_blocks) {
      for (const std::string& text : block.lines)
        row_band = std::max(row_band, font->text_width(text, scale) + 2 * pad);
    }
    title_blocks = wrap_all(layout.page_titles, *font, page_width_cells + row_band - 2 * pad, scale);
    for (const Block& block : title_blocks) title_band = std::max(title_band, block.height(scale) + 2 * pad);
  }
  const int64_t page_w = row_band + page_width_cells;
  const int64_t page_h = title_band + column_band + cell_h * int64_t(layout.rows);
  const int64_t gap = layout.pages > 1 ? 2 * line : 0;
  const int64_t width = page_w * int64_t(layout.pages) + gap * int64_t(layout.pages - 1);
  at::Tensor canvas = at::full({page_h, width, 3}, 255, at::kByte);

  for (size_t page = 0; page < layout.pages; ++page) {
    const int64_t left = int64_t(page) * (page_w + gap);
    if (font && !title_blocks.empty()) {
      draw_centred(canvas, *font, title_blocks[page], static_cast<int>(left), static_cast<int>(page_w), pad, scale);
    }
    for (size_t column = 0; font && column < column_blocks.size(); ++column) {
      const Block& block = column_blocks[column];
      draw_centred(canvas, *font, block, static_cast<int>(left + row_band + int64_t(column) * cell_w),
                   static_cast<int>(cell_w), title_band + column_band - pad - block.height(scale), scale);
    }
    for (size_t row = 0; row < layout.rows; ++row) {
      const int64_t top = title_band + column_band + int64_t(row) * cell_h;
      if (font && !row_blocks.empty()) {
        const Block& block = row_blocks[row];
        draw_centred(canvas, *font, block, static_cast<int>(left), row_band,
                     static_cast<int>(top + (cell_h - block.height(scale)) / 2), scale);
      }
      for (size_t column = 0; column < layout.columns; ++column) {
        const at::Tensor& cell = cells[(page * layout.rows + row) * layout.columns + column];
        const int64_t y = top + (cell_h - cell.size(0)) / 2;
        const int64_t x = left + row_band + int64_t(column) * cell_w + (cell_w - cell.size(1)) / 2;
        canvas.narrow(0, y, cell.size(0)).narrow(1, x, cell.size(1)).copy_(cell.cpu());
      }
    }
  }
  return canvas;
}

}  // namespace diffscope
