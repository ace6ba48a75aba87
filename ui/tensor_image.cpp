#include "ui/tensor_image.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/common/image_range.h"
#include "core/data/emoji_set.h"

namespace diffscope::ui {
namespace {

constexpr int kGap = 2;

// Lays (B, H, W, 3) uint8 out side by side on white.
QImage side_by_side(const at::Tensor& bhwc) {
  const int b = int(bhwc.size(0)), h = int(bhwc.size(1)), w = int(bhwc.size(2));
  QImage out(b * w + (b - 1) * kGap, h, QImage::Format_RGB888);
  out.fill(Qt::white);
  for (int i = 0; i < b; ++i) {
    const QImage item = image_from_hwc(bhwc[i]);
    for (int y = 0; y < h; ++y) {
      std::copy_n(item.constScanLine(y), 3 * w, out.scanLine(y) + 3 * i * (w + kGap));
    }
  }
  return out;
}

// Diverging colour map: −1 blue, 0 white, +1 red.
QRgb diverging(float v) {
  v = std::clamp(v, -1.0f, 1.0f);
  const int fade = int(std::lround(255 * (1.0f - std::abs(v))));
  return v >= 0 ? qRgb(255, fade, fade) : qRgb(fade, fade, 255);
}

}  // namespace

QImage image_from_hwc(const at::Tensor& hwc_u8) {
  const at::Tensor c = hwc_u8.to(at::kCPU).contiguous();
  const int h = int(c.size(0)), w = int(c.size(1));
  QImage image(w, h, QImage::Format_RGB888);
  const uint8_t* src = c.data_ptr<uint8_t>();
  for (int y = 0; y < h; ++y) std::copy_n(src + size_t(y) * w * 3, w * 3, image.scanLine(y));
  return image;
}

at::Tensor hwc_from_image(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
  at::Tensor hwc = at::empty({rgb.height(), rgb.width(), 3}, at::kByte);
  for (int y = 0; y < rgb.height(); ++y) {
    std::copy_n(rgb.constScanLine(y), size_t(rgb.width()) * 3, hwc[y].data_ptr<uint8_t>());
  }
  return hwc;
}

QImage batch_image(const at::Tensor& images) {
  return side_by_side(model_range_to_images(images.detach().to(at::kCPU, at::kFloat)));
}

QImage noise_image(const at::Tensor& eps) {
  if (eps.size(1) != 3) return channel_tiles(eps);
  return batch_image(eps.detach().to(at::kFloat) / 3.0);
}

QImage channel_tiles(const at::Tensor& latents) {
  const at::Tensor item = latents[0].detach().to(at::kCPU, at::kFloat).contiguous();
  const int channels = int(item.size(0)), h = int(item.size(1)), w = int(item.size(2));
  const int columns = int(std::ceil(std::sqrt(double(channels))));
  const int rows = (channels + columns - 1) / columns;
  QImage out(columns * w + (columns - 1) * kGap, rows * h + (rows - 1) * kGap, QImage::Format_RGB32);
  out.fill(Qt::white);
  for (int c = 0; c < channels; ++c) {
    const at::Tensor channel = item[c];
    const float scale = std::max(channel.abs().max().item<float>(), 1e-6f);
    const float* values = channel.data_ptr<float>();
    const int x0 = (c % columns) * (w + kGap), y0 = (c / columns) * (h + kGap);
    for (int y = 0; y < h; ++y) {
      auto* line = reinterpret_cast<QRgb*>(out.scanLine(y0 + y));
      for (int x = 0; x < w; ++x) line[x0 + x] = diverging(values[y * w + x] / scale);
    }
  }
  return out;
}

}  // namespace diffscope::ui
