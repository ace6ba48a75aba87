#pragma once
// GNU Unifont's .hex bitmap font (Debian's `unifont` package), for the text
// that core writes into images — the labels of a parameter grid — where no Qt
// is linked. Every Basic Multilingual Plane character is a 16-pixel-high
// glyph, 8 (half-width) or 16 (full-width: CJK, most symbols) pixels wide.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace diffscope {

class BitmapFont {
 public:
  static constexpr int kGlyphHeight = 16;

  // Reads a .hex file: one "CODEPOINT:BITMAP" line per glyph, the bitmap 32 or
  // 64 hex digits (16 rows of 8 or 16 pixels). Error naming the file and line
  // for anything else.
  static BitmapFont read_hex(const std::filesystem::path& path);
  static BitmapFont parse_hex(const std::string& text, const std::string& source = "font");

  // Unifont where Debian installs it, or the file DIFFSCOPE_LABEL_FONT names;
  // nullopt where there is none.
  static std::optional<std::filesystem::path> find_installed();

  size_t glyph_count() const { return glyphs_.size(); }

  // Width in pixels of UTF-8 `text` at `scale`; a character the font lacks
  // counts as its replacement glyph (U+FFFD) or a half-width box.
  int text_width(const std::string& text, int scale = 1) const;

  // `text` split at spaces (and inside words longer than a line) into lines
  // no wider than `max_width` pixels at `scale`.
  std::vector<std::string> wrap(const std::string& text, int max_width, int scale = 1) const;

  // Draws `text` into an (H, W, 3) uint8 image with its top-left corner at
  // (x, y), each font pixel a scale × scale square of `colour`; clipped.
  void draw(at::Tensor& image, int x, int y, const std::string& text, int scale = 1,
            std::array<uint8_t, 3> colour = {0, 0, 0}) const;

 private:
  struct Glyph {
    int width = 8;                              // 8 or 16
    std::array<uint16_t, kGlyphHeight> rows{};  // bit 15 is the leftmost pixel
  };
  const Glyph& glyph(uint32_t code) const;

  std::unordered_map<uint32_t, Glyph> glyphs_;
  Glyph missing_;  // a box, for characters with no glyph and no U+FFFD
};

}  // namespace diffscope
