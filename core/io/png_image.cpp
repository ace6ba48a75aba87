#include "core/io/png_image.h"

#include <ATen/ATen.h>
#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/common/errors.h"
#include "core/io/atomic_file.h"

namespace diffscope {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& problem) {
  throw Error(path.string() + ": " + problem);
}

// libpng reports errors through longjmp; turn them into a message we throw
// after the jump, outside libpng's frames.
void on_png_error(png_structp png, png_const_charp message) {
  auto* buffer = static_cast<std::string*>(png_get_error_ptr(png));
  if (buffer) *buffer = message;
  png_longjmp(png, 1);
}
void on_png_warning(png_structp, png_const_charp) {}

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

bool is_latin1(const std::string& utf8, std::string& latin1) {
  latin1.clear();
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      latin1.push_back(static_cast<char>(c));
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size()) {
      const auto next = static_cast<unsigned char>(utf8[++i]);
      latin1.push_back(static_cast<char>(((c & 0x03) << 6) | (next & 0x3F)));
    } else {
      return false;
    }
  }
  return true;
}

std::string latin1_to_utf8(const char* text, size_t length) {
  std::string out;
  for (size_t i = 0; i < length; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// DiffScope's images are at most 4096² (request_limits.h); a PNG ten times
// that is not one to open.
constexpr uint64_t kMaxPngPixels = uint64_t(16384) * 16384;
// Deflate expands at most ~1032:1, so a file holds at most this many bytes of
// pixel rows per byte (plus slack for tiny files).
constexpr uint64_t kMaxDeflateRatio = 1032;

// Refuses, before any pixel memory is allocated, a PNG whose header claims
// more pixels than its file could hold: a few hundred hostile bytes must not
// cost gigabytes. The IHDR fields sit at fixed offsets (libpng has checked
// that it is the first chunk).
void check_plausible_size(const std::filesystem::path& path, uint64_t width, uint64_t height) {
  if (width * height > kMaxPngPixels) {
    fail(path, "the PNG claims " + std::to_string(width) + "×" + std::to_string(height) +
                   " pixels; DiffScope reads images up to 268 megapixels");
  }
  std::error_code error;
  const uint64_t file_size = std::filesystem::file_size(path, error);
  unsigned char ihdr[26] = {};
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (error || !file || std::fread(ihdr, 1, sizeof ihdr, file.get()) != sizeof ihdr) return;  // libpng says why
  const uint64_t bit_depth = ihdr[24], color_type = ihdr[25];
  const uint64_t channels = color_type == 2 ? 3 : color_type == 4 ? 2 : color_type == 6 ? 4 : 1;
  const uint64_t row_bytes = 1 + (width * channels * bit_depth + 7) / 8;  // with the filter byte
  if (height * row_bytes > kMaxDeflateRatio * file_size + 4096) {
    fail(path, "the PNG claims " + std::to_string(width) + "×" + std::to_string(height) + " pixels, more than its " +
                   std::to_string(file_size) + " bytes can hold: truncated or corrupt");
  }
}

uint32_t big_endian(const unsigned char* bytes) {
  return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];
}

// Walks the chunk list before libpng does: a chunk that claims more bytes than
// the file has left is refused here, since libpng would first allocate what
// it claims (a 100-byte file asking for 1.7 GB).
void check_chunk_lengths(const std::filesystem::path& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  std::error_code error;
  const uint64_t file_size = std::filesystem::file_size(path, error);
  if (!file || error || std::fseek(file.get(), 8, SEEK_SET) != 0) return;  // libpng says why
  uint64_t at = 8;
  unsigned char head[8];
  while (at + sizeof head <= file_size && std::fread(head, 1, sizeof head, file.get()) == sizeof head) {
    const uint64_t length = big_endian(head);
    const std::string type(reinterpret_cast<const char*>(head + 4), 4);
    const uint64_t left = file_size - at - sizeof head;
    if (length > left) {
      fail(path, "its '" + type + "' chunk claims " + std::to_string(length) + " bytes, but only " +
                     std::to_string(left) + " follow: truncated or corrupt");
    }
    if (type == "IEND") return;
    at += sizeof head + length + 4;  // data and CRC
    if (std::fseek(file.get(), static_cast<long>(at), SEEK_SET) != 0) return;
  }
}

}  // namespace

at::Tensor read_png_rgb(const std::filesystem::path& path) {
  check_chunk_lengths(path);
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    const std::string message = image.message;
    png_image_free(&image);
    fail(path, "cannot read PNG: " + message);
  }
  try {
    check_plausible_size(path, image.width, image.height);
  } catch (const Error&) {
    png_image_free(&image);
    throw;
  }
  image.format = PNG_FORMAT_RGBA;  // 8-bit sRGB, straight (not premultiplied) alpha
  std::vector<uint8_t> rgba(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, rgba.data(), 0, nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    fail(path, "cannot decode PNG: " + message);
  }
  const int64_t height = image.height, width = image.width;
  at::Tensor out = at::empty({height, width, 3}, at::kByte);
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (int64_t p = 0; p < height * width; ++p) {
    const int alpha = rgba[4 * p + 3];
    for (int c = 0; c < 3; ++c) {
      // Composite onto white in sRGB space (what image viewers and PIL do).
      dst[3 * p + c] = static_cast<uint8_t>((rgba[4 * p + c] * alpha + 255 * (255 - alpha) + 127) / 255);
    }
  }
  return out;
}

std::map<std::string, std::string> read_png_text(const std::filesystem::path& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) fail(path, "cannot open: " + std::string(std::strerror(errno)));
  check_chunk_lengths(path);
  std::string error;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    fail(path, "out of memory");
  }
  std::map<std::string, std::string> result;
  std::vector<uint8_t> row;  // declared before setjmp so a longjmp skips no destructor
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    fail(path, "cannot read PNG: " + error);
  }
  png_init_io(png, file.get());
  png_read_info(png, info);  // text chunks before the image data
  const uint64_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  if (width * height > kMaxPngPixels) png_error(png, "the image claims more than 268 megapixels");
  // Text after the image data: skip the pixels row by row and read the end.
  png_set_expand(png);
  png_set_strip_16(png);
  png_read_update_info(png, info);
  row.resize(png_get_rowbytes(png, info));
  const int passes = png_set_interlace_handling(png);
  for (int pass = 0; pass < passes; ++pass) {
    for (png_uint_32 y = 0; y < png_get_image_height(png, info); ++y) png_read_row(png, row.data(), nullptr);
  }
  png_read_end(png, info);
  png_textp texts = nullptr;
  const int count = png_get_text(png, info, &texts, nullptr);
  for (int i = 0; i < count; ++i) {
    const png_text& t = texts[i];
    if (t.compression == PNG_ITXT_COMPRESSION_NONE || t.compression == PNG_ITXT_COMPRESSION_zTXt) {
      result[t.key] = std::string(t.text, t.itxt_length);
    } else {
      result[t.key] = latin1_to_utf8(t.text, t.text_length);
    }
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return result;
}

void write_png(const std::filesystem::path& path, const at::Tensor& image,
               const std::map<std::string, std::string>& text) {
  const int64_t depth = image.dim() == 3 ? image.size(2) : 0;
  if (image.dim() != 3 || (depth != 1 && depth != 3 && depth != 4) || image.scalar_type() != at::kByte) {
    fail(path, "write_png needs an (H, W, 1|3|4) uint8 image");
  }
  const at::Tensor pixels = image.to(at::kCPU).contiguous();
  const auto height = static_cast<png_uint_32>(pixels.size(0)), width = static_cast<png_uint_32>(pixels.size(1));
  const int channels = static_cast<int>(pixels.size(2));
  std::string error;
  AtomicFile file(path);  // declared before setjmp: a longjmp skips no destructor
  {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!info) {
      png_destroy_write_struct(&png, nullptr);
      fail(path, "out of memory");
    }
    // Strings the text chunks point to must outlive png_write_info.
    std::vector<std::string> keys, values;
    std::vector<png_text> chunks;
    if (setjmp(png_jmpbuf(png))) {
      const int reason = errno;  // libpng's "Write Error" after a failed fwrite: say why
      png_destroy_write_struct(&png, &info);
      fail(path, "cannot write PNG: " + error + (reason ? std::string(": ") + std::strerror(reason) : std::string()));
    }
    errno = 0;
    png_init_io(png, file.stream());
    const int color_type = channels == 4   ? PNG_COLOR_TYPE_RGBA
                           : channels == 3 ? PNG_COLOR_TYPE_RGB
                                           : PNG_COLOR_TYPE_GRAY;
    png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    keys.reserve(text.size());
    values.reserve(text.size());
    for (const auto& [key, value] : text) {
      keys.push_back(key);
      png_text chunk;
      std::memset(&chunk, 0, sizeof chunk);
      std::string latin1;
      if (is_latin1(value, latin1)) {
        values.push_back(latin1);
        chunk.compression = PNG_TEXT_COMPRESSION_NONE;
        chunk.text_length = values.back().size();
      } else {
        values.push_back(value);
        chunk.compression = PNG_ITXT_COMPRESSION_NONE;
        chunk.itxt_length = values.back().size();
      }
      chunk.key = keys.back().data();
      chunk.text = values.back().data();
      chunks.push_back(chunk);
    }
    if (!chunks.empty()) png_set_text(png, info, chunks.data(), static_cast<int>(chunks.size()));
    png_write_info(png, info);
    const uint8_t* data = pixels.data_ptr<uint8_t>();
    for (png_uint_32 y = 0; y < height; ++y) {
      png_write_row(png, const_cast<png_bytep>(data + static_cast<size_t>(y) * width * channels));
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
  }
  file.commit();
}

}  // namespace diffscope
