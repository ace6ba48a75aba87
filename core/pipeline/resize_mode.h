#pragma once
// How a start image of another size than the run's reaches it: AUTOMATIC1111's
// img2img "Resize mode" (its images.resize_image; Pillow's Lanczos, see
// image_resize.h):
// - Just resize (its default): stretched to the run's size.
// - Crop and resize: scaled to cover the run's size, keeping its aspect, and
//   cut to it around the centre.
// - Resize and fill: scaled to fit inside, keeping its aspect, centred, and
//   the bands left over filled by stretching its edge rows (or columns).
// - Just resize (latent upscale): the image is encoded at its own size and
//   its latent resized (bilinear) to the run's; the mask and the final
//   overlay are simply resized.
// The inpainting mask, drawn on the start image, goes the same way.
#include <ATen/core/Tensor.h>

#include <optional>
#include <string>

namespace diffscope {

enum class ResizeMode { JustResize, CropAndResize, ResizeAndFill, LatentUpscale };

// A1111's names: "Just resize", "Crop and resize", "Resize and fill",
// "Just resize (latent upscale)".
std::string resize_mode_name(ResizeMode mode);
// Those names in any case, "-" or "_" standing for spaces, and the short
// "latent upscale" (a command line's just-resize, crop-and-resize,
// resize-and-fill, latent-upscale). Nothing for anything else.
std::optional<ResizeMode> parse_resize_mode(const std::string& name);

// `image` (H, W, C), uint8 or floating, brought to (height, width, C) as
// `mode` says (LatentUpscale: as JustResize; the latent is resized
// elsewhere). Unchanged when it already has that size.
at::Tensor fit_to_size(const at::Tensor& image, ResizeMode mode, int width, int height);

}  // namespace diffscope
