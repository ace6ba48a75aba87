// The PNG reader: its text chunks (tEXt, zTXt, iTXt: where A1111's
// `parameters` live) and the pixels, as DiffScope restores and opens them.
#include <ATen/core/Tensor.h>

#include "core/io/png_image.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto path = fuzz::write_input("input.png", fuzz::as_text(data, size));
  fuzz::expect_clean([&] { (void)read_png_text(path); });
  fuzz::expect_clean([&] { (void)read_png_rgb(path); });
  return 0;
}
