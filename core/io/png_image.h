#pragma once
// PNG reading and writing with libpng, for the engine and CLI where Qt is not
// available. Text chunks: A1111-style generation parameters are written as an
// uncompressed tEXt chunk (iTXt when the text is not Latin-1); tEXt, zTXt and
// iTXt are all read back (as UTF-8).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>

namespace diffscope {

// Any PNG (palette, grey, grey+alpha, RGB, RGBA, 16-bit) as an (H, W, 3) uint8
// tensor, alpha composited onto a white background.
at::Tensor read_png_rgb(const std::filesystem::path& path);

// The text chunks of a PNG, keyword → UTF-8 text.
std::map<std::string, std::string> read_png_text(const std::filesystem::path& path);

// Writes an (H, W, 3), (H, W, 4) or (H, W, 1) (grey) uint8 tensor. The file appears complete or
// not at all (written beside it, then renamed).
void write_png(const std::filesystem::path& path, const at::Tensor& image,
               const std::map<std::string, std::string>& text = {});

}  // namespace diffscope
