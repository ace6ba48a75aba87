#include "core/io/png_image.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <png.h>

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>

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

// A PNG chunk: length, type, data, CRC.
std::string chunk(const std::string& type, const std::string& data, uint32_t claimed_length = UINT32_MAX) {
  auto be = [](uint32_t v) { return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; };
  const std::string body = type + data;
  const auto crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size()));
  return be(claimed_length == UINT32_MAX ? static_cast<uint32_t>(data.size()) : claimed_length) + body + be(crc);
}

std::string ihdr(uint32_t width, uint32_t height, char color_type) {
  std::string data;
  for (uint32_t v : {width, height}) data += std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  data += std::string{8, color_type, 0, 0, 0};
  return chunk("IHDR", data);
}

std::string compressed(const std::string& raw) {
  uLongf size = compressBound(raw.size());
  std::string out(size, '\0');
  compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(raw.data()), raw.size());
  out.resize(size);
  return out;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

const std::string kSignature = "\x89PNG\r\n\x1a\n";

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

// Found by fuzz_png: a 2×2 PNG whose next chunk claims 1.7 GB made libpng
// allocate it. Claims the file cannot hold are refused before any allocation.
TEST(PngImage, ClaimsTheFileCannotHoldAreRefusedBeforeAllocating) {
  support::TempDir dir;
  const std::string row = std::string(1, '\0') + std::string(2 * 4, '\x7f');  // filter byte "none", 2 RGBA pixels
  const std::string pixels = compressed(row + row);
  write_bytes(dir / "long-chunk.png", kSignature + ihdr(2, 2, 6) + chunk("iTXt", std::string(100, 'x'), 0x67414d41));
  for (auto read : {+[](const std::filesystem::path& p) { read_png_rgb(p); },
                    +[](const std::filesystem::path& p) { read_png_text(p); }}) {
    try {
      read(dir / "long-chunk.png");
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'iTXt' chunk claims 1732332865 bytes, but only"), std::string::npos)
          << e.what();
    }
  }
  // 12000×12000 RGBA (576 MB decoded) from a 100-byte file: refused by what deflate can expand to.
  write_bytes(dir / "huge.png", kSignature + ihdr(12000, 12000, 6) + chunk("IDAT", pixels) + chunk("IEND", ""));
  try {
    read_png_rgb(dir / "huge.png");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("12000×12000 pixels, more than its"), std::string::npos) << e.what();
  }
  // Beyond 268 megapixels nothing is read, text included.
  write_bytes(dir / "giant.png", kSignature + ihdr(30000, 30000, 2) + chunk("IDAT", pixels) + chunk("IEND", ""));
  EXPECT_THROW(read_png_rgb(dir / "giant.png"), Error);
  EXPECT_THROW(read_png_text(dir / "giant.png"), Error);
  // The same structure at a real size reads.
  write_bytes(dir / "fine.png", kSignature + ihdr(2, 2, 6) + chunk("IDAT", pixels) + chunk("IEND", ""));
  EXPECT_EQ(read_png_rgb(dir / "fine.png").sizes(), (at::IntArrayRef{2, 2, 3}));
}
