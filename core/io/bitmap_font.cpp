#include "core/io/bitmap_font.h"

#include <unicode/utf8.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/common/errors.h"

namespace diffscope {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;
constexpr uint32_t kMaxCodePoint = 0x10FFFF;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The code points of UTF-8 text; an invalid byte becomes U+FFFD.
std::vector<uint32_t> code_points(const std::string& text) {
  std::vector<uint32_t> points;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    points.push_back(c < 0 ? kReplacement : static_cast<uint32_t>(c));
  }
  return points;
}

// The UTF-8 text split into its characters, each as its own string.
std::vector<std::string> characters(const std::string& text) {
  std::vector<std::string> pieces;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    pieces.push_back(text.substr(size_t(start), size_t(i - start)));
  }
  return pieces;
}

}  // namespace

BitmapFont BitmapFont::parse_hex(const std::string& text, const std::string& source) {
  BitmapFont font;
  for (int row = 0; row < kGlyphHeight; ++row) {
    font.missing_.rows[size_t(row)] = (row == 2 || row == 13) ? 0x7E00 : (row > 2 && row < 13 ? 0x4200 : 0);
  }
  std::istringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto fail = [&](const std::string& why) {
      return Error(source + ", line " + std::to_string(number) + ": " + why +
                   " (a .hex font line is "
                   "CODEPOINT:BITMAP, the bitmap 32 or 64 hex digits)");
    };
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0 || colon > 8) throw fail("no code point before a ':'");
    uint32_t code = 0;
    for (size_t i = 0; i < colon; ++i) {
      const int digit = hex_digit(line[i]);
      if (digit < 0) throw fail("the code point is not hexadecimal");
      code = code * 16 + uint32_t(digit);
    }
    if (code > kMaxCodePoint) throw fail("the code point is beyond Unicode's last");
    const std::string bitmap = line.substr(colon + 1);
    if (bitmap.size() != 32 && bitmap.size() != 64)
      throw fail("the bitmap has " + std::to_string(bitmap.size()) + " digits");
    Glyph glyph;
    glyph.width = bitmap.size() == 32 ? 8 : 16;
    const size_t digits_per_row = bitmap.size() / kGlyphHeight;
    for (size_t row = 0; row < size_t(kGlyphHeight); ++row) {
      uint32_t bits = 0;
      for (size_t d = 0; d < digits_per_row; ++d) {
        const int digit = hex_digit(bitmap[row * digits_per_row + d]);
        if (digit < 0) throw fail("the bitmap is not hexadecimal");
        bits = bits * 16 + uint32_t(digit);
      }
      glyph.rows[row] = static_cast<uint16_t>(glyph.width == 8 ? bits << 8 : bits);
    }
    font.glyphs_[code] = glyph;
  }
  return font;
}

BitmapFont BitmapFont::read_hex(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("cannot open the font " + path.string());
  constexpr std::streamoff kMaxBytes = 64 << 20;  // Unifont's plane 0 is 3.7 MB
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (size < 0 || size > kMaxBytes) throw Error(path.string() + " is too large for a .hex font");
  file.seekg(0);
  std::string text(static_cast<size_t>(size), '\0');
  if (!file.read(text.data(), size)) throw Error("cannot read the font " + path.string());
  return parse_hex(text, path.string());
}

std::optional<std::filesystem::path> BitmapFont::find_installed() {
  if (const char* named = std::getenv("DIFFSCOPE_LABEL_FONT"); named && *named) {
    if (std::filesystem::is_regular_file(named)) return std::filesystem::path(named);
    return std::nullopt;
  }
  for (const char* candidate : {"/usr/share/unifont/unifont.hex", "/usr/local/share/unifont/unifont.hex"}) {
    if (std::filesystem::is_regular_file(candidate)) return std::filesystem::path(candidate);
  }
  return std::nullopt;
}

const BitmapFont::Glyph& BitmapFont::glyph(uint32_t code) const {
  if (const auto found = glyphs_.find(code); found != glyphs_.end()) return found->second;
  if (const auto found = glyphs_.find(kReplacement); found != glyphs_.end()) return found->second;
  return missing_;
}

int BitmapFont::text_width(const std::string& text, int scale) const {
  int width = 0;
  for (const uint32_t code : code_points(text)) width += glyph(code).width;
  return width * scale;
}

std::vector<std::string> BitmapFont::wrap(const std::string& text, int max_width, int scale) const {
  std::vector<std::string> lines;
  std::string line;
  const auto push_word = [&](const std::string& word) {
    const std::string joined = line.empty() ? word : line + " " + word;
    if (text_width(joined, scale) <= max_width) {
      line = joined;
      return;
    }
    if (!line.empty()) lines.push_back(line);
    line.clear();
    for (const std::string& character : characters(word)) {  // a word longer than a line breaks anywhere
      if (!line.empty() && text_width(line + character, scale) > max_width) {
        lines.push_back(line);
        line.clear();
      }
      line += character;
    }
  };
  std::istringstream words(text);
  for (std::string word; words >> word;) push_word(word);
  if (!line.empty()) lines.push_back(line);
  return lines;
}

void BitmapFont::draw(at::Tensor& image, int x, int y, const std::string& text, int scale,
                      std::array<uint8_t, 3> colour) const {
  if (image.dim() != 3 || image.size(2) != 3 || image.scalar_type() != at::kByte || !image.is_contiguous() ||
      !image.device().is_cpu()) {
    throw Error("text is drawn into a contiguous (H, W, 3) uint8 image on the CPU");
  }
  const int64_t height = image.size(0), width = image.size(1);
  uint8_t* pixels = image.data_ptr<uint8_t>();
  for (const uint32_t code : code_points(text)) {
    const Glyph& g = glyph(code);
    for (int row = 0; row < kGlyphHeight; ++row) {
      for (int column = 0; column < g.width; ++column) {
        if (!(g.rows[size_t(row)] & (0x8000 >> column))) continue;
        for (int dy = 0; dy < scale; ++dy) {
          for (int dx = 0; dx < scale; ++dx) {
            const int64_t py = y + row * scale + dy, px = x + column * scale + dx;
            if (py < 0 || px < 0 || py >= height || px >= width) continue;
            uint8_t* pixel = pixels + (py * width + px) * 3;
            pixel[0] = colour[0], pixel[1] = colour[1], pixel[2] = colour[2];
          }
        }
      }
    }
    x += g.width * scale;
  }
}

}  // namespace diffscope
