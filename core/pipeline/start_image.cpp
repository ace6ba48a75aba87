#include "core/pipeline/start_image.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/io/png_image.h"
#include "core/pipeline/image_resize.h"
#include "core/pipeline/masked_content.h"

namespace diffscope {
namespace {

std::string size_text(int64_t width, int64_t height) { return std::to_string(width) + "×" + std::to_string(height); }

// (1, C, h, w) latents of `rgb` (H, W, 3) uint8.
at::Tensor encode(ModelBundle& bundle, const at::Tensor& rgb, const c10::Device& device) {
  return bundle.encode_image(images_to_model_range(rgb.unsqueeze(0)).to(device));
}

// "Just resize (latent upscale)": the start image encoded at its own size
// (rounded down to the latent's grid, at least one latent pixel) and its
// latent resized bilinearly, as A1111's torch interpolate does. `start` has
// the mask and the run-sized image already; "fill" paints this size too.
at::Tensor encode_then_upscale(ModelBundle& bundle, const Request& request, const StartImage& start,
                               const at::Tensor& source, const c10::Device& device,
                               const std::vector<int64_t>& latent_shape) {
  const int64_t factor = request.width / latent_shape.at(2);
  const int width = static_cast<int>(std::max(source.size(1) / factor, int64_t(1)) * factor);
  const int height = static_cast<int>(std::max(source.size(0) / factor, int64_t(1)) * factor);
  if (int64_t(width) * height > int64_t(request.width) * request.height) {
    // The memory check sized the run's own encode; a larger one is not covered.
    throw Error("Just resize (latent upscale) encodes the start image at its own size (" + size_text(width, height) +
                "), more pixels than the run's (" + size_text(request.width, request.height) +
                "); to shrink an image choose another resize mode");
  }
  at::Tensor own = pillow_resize(source, width, height);
  if (start.mask && request.masked_content == MaskedContent::Fill) {
    const at::Tensor mask = fit_to_size(start.mask->pixels.unsqueeze(-1), ResizeMode::JustResize, width, height);
    own = fill_masked_area(own, mask.squeeze(-1).clamp(0.0, 1.0));
  }
  return at::upsample_bilinear2d(encode(bundle, own, device).to(at::kFloat),
                                 at::IntArrayRef{latent_shape.at(1), latent_shape.at(2)}, false);
}

}  // namespace

StartImage read_start_image(ModelBundle& bundle, const Request& request, const c10::Device& device, at::ScalarType type,
                            const std::vector<int64_t>& latent_shape, const std::vector<int64_t>& item_seeds) {
  StartImage start;
  const at::Tensor source = read_png_rgb(request.init_image);
  const MaskFit fit{request.width, request.height, request.resize_mode};
  if (!request.mask_image.empty()) {
    // Drawn on the start image: its size, blurred there, then fitted as the image is.
    start.mask =
        load_inpaint_mask(request.mask_image, static_cast<int>(source.size(1)), static_cast<int>(source.size(0)),
                          request.mask_blur, request.invert_mask, latent_shape.at(1), latent_shape.at(2), fit);
    start.repaint = start.mask->latent.to(device, type);
  }
  start.rgb = fit_to_size(source, request.resize_mode, request.width, request.height);
  const bool fill = start.mask && request.masked_content == MaskedContent::Fill;
  start.model_rgb = fill ? fill_masked_area(start.rgb, start.mask->pixels) : start.rgb;
  const bool latent_upscale = request.resize_mode == ResizeMode::LatentUpscale &&
                              (source.size(0) != request.height || source.size(1) != request.width);
  const at::Tensor latent = latent_upscale ? encode_then_upscale(bundle, request, start, source, device, latent_shape)
                                           : encode(bundle, start.model_rgb, device);
  start.known = latent.expand({request.batch, -1, -1, -1}).to(type);
  if (start.mask) start.known = masked_content_latent(start.known, start.repaint, request.masked_content, item_seeds);
  return start;
}

}  // namespace diffscope
