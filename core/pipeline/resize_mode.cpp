#include "core/pipeline/resize_mode.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/pipeline/image_resize.h"

namespace diffscope {
namespace {

const std::pair<ResizeMode, const char*> kNames[] = {
    {ResizeMode::JustResize, "Just resize"},
    {ResizeMode::CropAndResize, "Crop and resize"},
    {ResizeMode::ResizeAndFill, "Resize and fill"},
    {ResizeMode::LatentUpscale, "Just resize (latent upscale)"},
};

std::string lower_spaced(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    c = (c == '-' || c == '_') ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// PIL's Image.paste of `piece` into `canvas` with its top left corner at
// (left, top), either possibly negative: only the overlap is copied.
void paste(at::Tensor& canvas, const at::Tensor& piece, int64_t left, int64_t top) {
  const int64_t x0 = std::max<int64_t>(left, 0), y0 = std::max<int64_t>(top, 0);
  const int64_t x1 = std::min(left + piece.size(1), canvas.size(1));
  const int64_t y1 = std::min(top + piece.size(0), canvas.size(0));
  if (x1 <= x0 || y1 <= y0) return;
  canvas.narrow(0, y0, y1 - y0)
      .narrow(1, x0, x1 - x0)
      .copy_(piece.narrow(0, y0 - top, y1 - y0).narrow(1, x0 - left, x1 - x0));
}

// A1111's "Resize and fill": the image fitted inside, the bands on either
// side the resized image's first and last rows (or columns) stretched, each
// weighed with the few next to it (Pillow's resize of a zero-high box, with
// Pillow's default filter, bicubic, as A1111 names none there).
at::Tensor resize_and_fill(const at::Tensor& image, int width, int height) {
  const int64_t in_width = image.size(1), in_height = image.size(0);
  const double ratio = double(width) / height, source_ratio = double(in_width) / in_height;
  const int fit_width = ratio < source_ratio ? width : static_cast<int>(in_width * height / in_height);
  const int fit_height = ratio >= source_ratio ? height : static_cast<int>(in_height * width / in_width);
  const at::Tensor fitted = pillow_resize(image, fit_width, fit_height);
  at::Tensor canvas = at::zeros({height, width, image.size(2)}, image.options());
  paste(canvas, fitted, width / 2 - fit_width / 2, height / 2 - fit_height / 2);
  if (ratio < source_ratio) {
    const int band = height / 2 - fit_height / 2;
    if (band > 0) {
      paste(canvas, pillow_resize(fitted, width, band, PillowFilter::Bicubic, {0, 0, double(width), 0}), 0, 0);
      paste(canvas,
            pillow_resize(fitted, width, band, PillowFilter::Bicubic,
                          {0, double(fit_height), double(width), double(fit_height)}),
            0, band + fit_height);
    }
  } else if (ratio > source_ratio) {
    const int band = width / 2 - fit_width / 2;
    if (band > 0) {
      paste(canvas, pillow_resize(fitted, band, height, PillowFilter::Bicubic, {0, 0, 0, double(height)}), 0, 0);
      paste(canvas,
            pillow_resize(fitted, band, height, PillowFilter::Bicubic,
                          {double(fit_width), 0, double(fit_width), double(height)}),
            band + fit_width, 0);
    }
  }
  return canvas;
}

// A1111's "Crop and resize": scaled to cover, the centre kept.
at::Tensor crop_and_resize(const at::Tensor& image, int width, int height) {
  const int64_t in_width = image.size(1), in_height = image.size(0);
  const double ratio = double(width) / height, source_ratio = double(in_width) / in_height;
  const int cover_width = ratio > source_ratio ? width : static_cast<int>(in_width * height / in_height);
  const int cover_height = ratio <= source_ratio ? height : static_cast<int>(in_height * width / in_width);
  at::Tensor canvas = at::zeros({height, width, image.size(2)}, image.options());
  paste(canvas, pillow_resize(image, cover_width, cover_height), width / 2 - cover_width / 2,
        height / 2 - cover_height / 2);
  return canvas;
}

}  // namespace

std::string resize_mode_name(ResizeMode mode) {
  for (const auto& [value, name] : kNames) {
    if (value == mode) return name;
  }
  return "Just resize";
}

std::optional<ResizeMode> parse_resize_mode(const std::string& name) {
  const std::string wanted = lower_spaced(name);
  if (wanted == "latent upscale") return ResizeMode::LatentUpscale;
  for (const auto& [value, known] : kNames) {
    if (wanted == lower_spaced(known)) return value;
  }
  return std::nullopt;
}

at::Tensor fit_to_size(const at::Tensor& image, ResizeMode mode, int width, int height) {
  if (image.size(0) == height && image.size(1) == width) return image;
  switch (mode) {
    case ResizeMode::CropAndResize: return crop_and_resize(image, width, height);
    case ResizeMode::ResizeAndFill: return resize_and_fill(image, width, height);
    case ResizeMode::JustResize:
    case ResizeMode::LatentUpscale: break;
  }
  return pillow_resize(image, width, height);
}

}  // namespace diffscope
