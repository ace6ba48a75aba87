#include "core/pipeline/masked_content.h"

#include <ATen/ATen.h>

#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "core/sampling/noise_source.h"

namespace diffscope {
namespace {

constexpr std::array<std::pair<MaskedContent, const char*>, 4> kNames{
    {{MaskedContent::Fill, "fill"},
     {MaskedContent::Original, "original"},
     {MaskedContent::LatentNoise, "latent noise"},
     {MaskedContent::LatentNothing, "latent nothing"}}};

// Pillow's box radius for one of `passes` box blurs whose variances add up to
// radius² (its _gaussian_blur_radius): a whole part l and a fraction a of the
// two pixels just outside the box.
double box_radius(double radius, int passes) {
  const double sigma2 = radius * radius / passes;
  const double whole = std::floor((std::sqrt(12.0 * sigma2 + 1.0) - 1.0) / 2.0);
  const double fraction =
      (2 * whole + 1) * (whole * (whole + 1) - 3 * sigma2) / (6 * (sigma2 - (whole + 1) * (whole + 1)));
  return whole + fraction;
}

// One box blur of radius r = l + a along the last dimension of a contiguous
// tensor: the mean of the 2l + 1 pixels around each, plus a·(the next pixel
// on each side), over 2r + 1; beyond the edges the edge pixel repeats
// (Pillow's line box blur). By running sums: the cost does not grow with r.
at::Tensor box_blur_last_dim(const at::Tensor& x, double radius) {
  const int64_t whole = static_cast<int64_t>(radius), n = x.size(-1);
  const double fraction = radius - double(whole);
  // The edge pixels repeated l + 1 times on each side (a gather by clamped
  // indices does the same, 15× slower here).
  std::vector<int64_t> edge = x.sizes().vec();
  edge.back() = whole + 1;
  const at::Tensor padded = at::cat({x.narrow(-1, 0, 1).expand(edge), x, x.narrow(-1, n - 1, 1).expand(edge)}, -1);
  const at::Tensor sums = padded.cumsum(-1);  // sums[k]: padded[0 … k]
  // Output i's box is padded[i + 1 … i + 2l + 1]; its two edge pixels are padded[i] and padded[i + 2l + 2].
  at::Tensor out = sums.narrow(-1, 2 * whole + 1, n) - sums.narrow(-1, 0, n);
  if (fraction > 0) out.add_(padded.narrow(-1, 0, n) + padded.narrow(-1, 2 * whole + 2, n), fraction);
  return out.div_(2 * radius + 1);
}

}  // namespace

std::string masked_content_name(MaskedContent content) {
  for (const auto& [value, name] : kNames) {
    if (value == content) return name;
  }
  return "original";
}

std::optional<MaskedContent> parse_masked_content(const std::string& name) {
  std::string spaced = name;
  for (char& c : spaced) {
    if (c == '-' || c == '_') c = ' ';
  }
  for (const auto& [value, known] : kNames) {
    if (spaced == known) return value;
  }
  return std::nullopt;
}

at::Tensor pillow_gaussian_blur(const at::Tensor& image, double radius) {
  if (radius <= 0) return image;
  constexpr int kPasses = 3;
  const double box = box_radius(radius, kPasses);
  at::Tensor out = image.to(at::kFloat).contiguous();
  for (int pass = 0; pass < kPasses; ++pass) out = box_blur_last_dim(out, box);  // along rows
  out = out.transpose(-1, -2).contiguous();
  for (int pass = 0; pass < kPasses; ++pass) out = box_blur_last_dim(out, box);  // along columns
  return out.transpose(-1, -2).contiguous().to(image.scalar_type());
}

at::Tensor fill_masked_area(const at::Tensor& rgb, const at::Tensor& mask_pixels) {
  // The unmasked colours premultiplied by their opacity, 1 − mask (Pillow's "RGBa").
  const at::Tensor alpha = (1.0 - mask_pixels.to(at::kFloat)).unsqueeze(0);
  const at::Tensor colour = rgb.permute({2, 0, 1}).to(at::kFloat) * alpha;
  const at::Tensor layer = at::cat({colour, alpha}, 0);  // (4, H, W)
  // Composited "over" in premultiplied form: what is on top hides what is under by its opacity.
  at::Tensor stacked = at::zeros_like(layer);
  constexpr std::array<std::pair<double, int>, 6> kLayers{{{256, 1}, {64, 1}, {16, 2}, {4, 4}, {2, 2}, {0, 1}}};
  for (const auto& [radius, repeats] : kLayers) {
    const at::Tensor blurred = pillow_gaussian_blur(layer, radius);
    const at::Tensor opacity = blurred.narrow(0, 3, 1);
    for (int i = 0; i < repeats; ++i) stacked = blurred + stacked * (1.0 - opacity);
  }
  // Back to plain colours (Pillow's convert("RGB") drops the opacity); nothing covered stays black.
  const at::Tensor opacity = stacked.narrow(0, 3, 1);
  const at::Tensor plain = at::where(opacity > 0, stacked.narrow(0, 0, 3) / opacity.clamp_min(1e-12), 0.0);
  const at::Tensor filled = plain.permute({1, 2, 0}).round().clamp(0, 255).to(at::kByte);
  // The top layer is the image itself: exactly where nothing is masked.
  return at::where((mask_pixels <= 0).unsqueeze(-1), rgb, filled);
}

at::Tensor masked_content_latent(const at::Tensor& known, const at::Tensor& repaint, MaskedContent content,
                                 const std::vector<int64_t>& item_seeds) {
  if (content != MaskedContent::LatentNoise && content != MaskedContent::LatentNothing) return known;
  const at::Tensor kept = known * (1 - repaint);
  if (content == MaskedContent::LatentNothing) return kept;
  NoiseSource seeds(item_seeds);
  return kept + seeds.draw(known.sizes().slice(1)).to(known.device(), known.scalar_type()) * repaint;
}

}  // namespace diffscope
