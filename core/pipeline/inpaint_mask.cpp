#include "core/pipeline/inpaint_mask.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "core/common/errors.h"
#include "core/io/png_image.h"
#include "core/pipeline/request_limits.h"
#include "core/pipeline/resize_mode.h"

namespace diffscope {
namespace {

std::string size_text(int64_t width, int64_t height) { return std::to_string(width) + "×" + std::to_string(height); }

// Index i of a side of n samples mirrored without repeating the edge
// (cv2's BORDER_REFLECT_101: …, 2, 1 | 0, 1, …, n−1 | n−2, …), for any i.
int64_t mirrored(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  int64_t k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

// One pass of the separable blur along `dim` of a 2-D tensor: the side
// mirrored out to the kernel's reach once, then each tap adds a shifted view
// of it (one gather per tap cost 4× as much).
at::Tensor blur_along(const at::Tensor& mask, int64_t dim, const std::vector<double>& taps) {
  const int64_t n = mask.size(dim), radius = static_cast<int64_t>(taps.size() / 2);
  std::vector<int64_t> index(static_cast<size_t>(n + 2 * radius));
  for (int64_t i = 0; i < n + 2 * radius; ++i) index[static_cast<size_t>(i)] = mirrored(i - radius, n);
  const at::Tensor padded = mask.index_select(dim, at::tensor(index, at::kLong));
  at::Tensor out = at::zeros_like(mask);
  for (int64_t k = 0; k <= 2 * radius; ++k) out.add_(padded.narrow(dim, k, n), taps[static_cast<size_t>(k)]);
  return out;
}

}  // namespace

at::Tensor read_mask_png(const std::string& path, int width, int height, bool invert) {
  const at::Tensor rgb = read_png_rgb(path);
  if (rgb.size(0) != height || rgb.size(1) != width) {
    throw Error("the mask " + path + " is " + size_text(rgb.size(1), rgb.size(0)) + "; it must be the image's size (" +
                size_text(width, height) + ")");
  }
  const at::Tensor c = rgb.to(at::kFloat);
  const at::Tensor luminance = (c.select(2, 0) * 0.299 + c.select(2, 1) * 0.587 + c.select(2, 2) * 0.114) / 255.0;
  return invert ? 1.0 - luminance : luminance;
}

at::Tensor blur_mask(const at::Tensor& mask, double sigma) {
  if (sigma <= 0) return mask;
  const int64_t radius = static_cast<int64_t>(2.5 * sigma + 0.5);
  std::vector<double> taps;
  double sum = 0;
  for (int64_t k = -radius; k <= radius; ++k) {
    taps.push_back(std::exp(-double(k * k) / (2 * sigma * sigma)));
    sum += taps.back();
  }
  for (double& tap : taps) tap /= sum;
  return blur_along(blur_along(mask, 0, taps), 1, taps).clamp(0.0, 1.0);
}

at::Tensor latent_mask(const at::Tensor& pixels, int64_t height, int64_t width) {
  at::Tensor mask = pixels.unsqueeze(0).unsqueeze(0);
  if (pixels.size(0) != height || pixels.size(1) != width) {
    // PIL's bicubic resize (antialiased when shrinking), as A1111 scales it.
    mask = at::_upsample_bicubic2d_aa(mask, at::IntArrayRef{height, width}, false, c10::nullopt, c10::nullopt);
  }
  return mask.clamp(0.0, 1.0).round();
}

InpaintMask load_inpaint_mask(const std::string& path, int width, int height, int blur, bool invert,
                              int64_t latent_height, int64_t latent_width, const MaskFit& fit) {
  check_mask_blur(blur);
  InpaintMask mask;
  mask.pixels = blur_mask(read_mask_png(path, width, height, invert), blur);
  if (fit.width > 0) {
    // Lanczos overshoots a sharp edge a little: back into [0, 1].
    mask.pixels = fit_to_size(mask.pixels.unsqueeze(-1), fit.mode, fit.width, fit.height).squeeze(-1).clamp(0.0, 1.0);
  }
  mask.latent = latent_mask(mask.pixels, latent_height, latent_width);
  if (mask.latent.max().item<float>() == 0.0f) {
    throw Error("the mask " + path + " leaves nothing to repaint" +
                (latent_height == mask.pixels.size(0)
                     ? std::string()
                     : " at the latent's resolution (" + size_text(latent_width, latent_height) + ")") +
                (invert ? ": with the mask inverted, black is repainted" : ": white is repainted"));
  }
  return mask;
}

at::Tensor overlay_start_image(const at::Tensor& images, const at::Tensor& start, const at::Tensor& mask_pixels) {
  // A1111's mask_for_overlay doubles the blurred mask: the start image shows
  // only in the blur's outer half, where the latent mask kept it, never
  // through the repainted part.
  const at::Tensor keep = (1.0 - (2.0 * mask_pixels).clamp(0.0, 1.0)).unsqueeze(-1);
  const at::Tensor mixed = images.to(at::kFloat) * (1.0 - keep) + start.to(at::kFloat).unsqueeze(0) * keep;
  return mixed.round().clamp(0, 255).to(at::kByte);
}

}  // namespace diffscope
