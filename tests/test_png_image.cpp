#include "core/io/png_image.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <png.h>

#include <cstdio>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

// A grey+alpha PNG with a compressed zTXt chunk, written with libpng directly
// (write_png only writes RGB/RGBA and uncompressed text).
void write_grey_alpha_with_ztxt(const std::filesystem::path& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, f);
  png_set_IHDR(png, info, 2, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_text text{};
  text.compression = PNG_TEXT_COMPRESSION_zTXt;
  text.key = const_cast<char*>("parameters");
  text.text = const_cast<char*>("caf\xe9 au lait");  // Latin-1 é
  text.text_length = 12;
  png_set_text(png, info, &text, 1);
  png_write_info(png, info);
  png_byte row[4] = {0, 255, 0, 0};  // black opaque, black transparent
  png_write_row(png, row);
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

}  // namespace

TEST(PngImage, RoundTripsPixelsAndText) {
  support::TempDir dir;
  const at::Tensor image = at::randint(0, 256, {5, 7, 3}, at::kByte);
  const std::map<std::string, std::string> text = {
      {"parameters", "a cat, sitting\nSteps: 20, Seed: 1"},  // Latin-1: tEXt
      {"Comment", "猫 — ünïcödé"},                           // not Latin-1: iTXt
  };
  write_png(dir / "a.png", image, text);
  EXPECT_TRUE(at::equal(read_png_rgb(dir / "a.png"), image));
  EXPECT_EQ(read_png_text(dir / "a.png"), text);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(PngImage, CompositesAlphaOnWhite) {
  support::TempDir dir;
  at::Tensor rgba = at::zeros({1, 3, 4}, at::kByte);
  rgba[0][0][3] = 255;  // opaque black
  rgba[0][1][3] = 0;    // transparent
  rgba[0][2][3] = 128;  // half
  write_png(dir / "alpha.png", rgba);
  const at::Tensor rgb = read_png_rgb(dir / "alpha.png");
  EXPECT_EQ(rgb[0][0][0].item<uint8_t>(), 0);
  EXPECT_EQ(rgb[0][1][1].item<uint8_t>(), 255);
  EXPECT_NEAR(rgb[0][2][2].item<uint8_t>(), 127, 1);
}

TEST(PngImage, ReadsGreyAlphaAndCompressedText) {
  support::TempDir dir;
  write_grey_alpha_with_ztxt(dir / "ga.png");
  const at::Tensor rgb = read_png_rgb(dir / "ga.png");
  EXPECT_EQ(rgb.sizes(), (at::IntArrayRef{1, 2, 3}));
  EXPECT_EQ(rgb[0][0][0].item<uint8_t>(), 0);
  EXPECT_EQ(rgb[0][1][0].item<uint8_t>(), 255);
  EXPECT_EQ(read_png_text(dir / "ga.png").at("parameters"), "café au lait");
}

TEST(PngImage, BadFilesAndArgumentsAreErrors) {
  support::TempDir dir;
  {
    std::FILE* f = std::fopen((dir / "bad.png").c_str(), "wb");
    std::fputs("not a png", f);
    std::fclose(f);
  }
  EXPECT_THROW(read_png_rgb(dir / "bad.png"), Error);
  EXPECT_THROW(read_png_text(dir / "bad.png"), Error);
  EXPECT_THROW(read_png_rgb(dir / "missing.png"), Error);
  EXPECT_THROW(write_png(dir / "x.png", at::zeros({2, 2}, at::kByte)), Error);
  EXPECT_THROW(write_png(dir / "no-such-dir" / "x.png", at::zeros({2, 2, 3}, at::kByte)), Error);
}
