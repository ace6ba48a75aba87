#pragma once
// What an inpainting run starts from inside the mask: AUTOMATIC1111's
// "Masked content". "original" (its default) starts from the start image;
// "fill" first paints the masked part with the colours around it, blurred;
// "latent noise" replaces the masked part of the start image's latent with
// the seed's unit noise and "latent nothing" with zeros, so that a high
// denoising strength draws something new there instead of reworking what was.
// As in A1111, only x_T changes: the part outside the mask is kept as before.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace diffscope {

enum class MaskedContent { Fill, Original, LatentNoise, LatentNothing };

// A1111's names: "fill", "original", "latent noise", "latent nothing".
std::string masked_content_name(MaskedContent content);
// Those names; "-" or "_" may stand for the space (a command line's
// "latent-noise"). Nothing for anything else.
std::optional<MaskedContent> parse_masked_content(const std::string& name);

// A1111's masking.fill: the start image (H, W, 3) uint8 with its masked part
// ((H, W) blurred mask in [0, 1], 1 repaints) painted over with the unmasked
// colours blurred at radii 256, 64, 16, 4 and 2 (Pillow's GaussianBlur: three
// box blurs of that standard deviation, edges extended), each layer
// composited over the last, the image itself on top. Computed in float32
// where Pillow rounds to 8 bits between steps (the two agree within a few
// levels). Unmasked pixels are returned unchanged.
at::Tensor fill_masked_area(const at::Tensor& rgb, const at::Tensor& mask_pixels);

// Pillow's GaussianBlur(radius) of a (..., H, W) tensor, computed in float32
// and returned in the tensor's type: three extended box blurs along each side
// whose variance is radius², pixels beyond the edges taken as the edge's own.
// Radius 0 returns it unchanged.
at::Tensor pillow_gaussian_blur(const at::Tensor& image, double radius);

// The start image's latent (B, C, h, w) with the masked part (`repaint`,
// (1, 1, h, w), 1 repaints) replaced as `content` says: the unit noise that
// each item's seed draws first (A1111 draws it again from the seeds, without
// any variation seed) for latent noise, zeros for latent nothing; otherwise
// unchanged.
at::Tensor masked_content_latent(const at::Tensor& known, const at::Tensor& repaint, MaskedContent content,
                                 const std::vector<int64_t>& item_seeds);

}  // namespace diffscope
