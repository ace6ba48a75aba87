// The .hex bitmap font the grid labels are drawn with (GNU Unifont, or any
// file DIFFSCOPE_LABEL_FONT names): read, then used to measure, wrap and
// draw text with what it holds.
#include <ATen/ATen.h>

#include "core/io/bitmap_font.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 2);
  fuzz::expect_clean([&] {
    const BitmapFont font = BitmapFont::parse_hex(std::string(parts[0]), "fuzz.hex");
    const std::string text = parts.size() > 1 ? std::string(parts[1]) : "Sampler: Euler a, 猫";
    at::Tensor canvas = at::full({40, 48, 3}, 255, at::kByte);
    for (const std::string& line : font.wrap(text, 40, 1)) font.draw(canvas, -3, 2, line, 2);
    (void)font.text_width(text, 3);
  });
  return 0;
}
