#include "core/pipeline/start_image.h"

#include <ATen/ATen.h>

#include <string>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/io/png_image.h"
#include "core/pipeline/masked_content.h"

namespace diffscope {

StartImage read_start_image(ModelBundle& bundle, const Request& request, const c10::Device& device, at::ScalarType type,
                            const std::vector<int64_t>& latent_shape, const std::vector<int64_t>& item_seeds) {
  StartImage start;
  if (!request.mask_image.empty()) {
    start.mask = load_inpaint_mask(request.mask_image, request.width, request.height, request.mask_blur,
                                   request.invert_mask, latent_shape.at(1), latent_shape.at(2));
    start.repaint = start.mask->latent.to(device, type);
  }
  start.rgb = read_png_rgb(request.init_image);
  if (start.rgb.size(0) != request.height || start.rgb.size(1) != request.width) {
    throw Error(request.init_image + " is " + std::to_string(start.rgb.size(1)) + "×" +
                std::to_string(start.rgb.size(0)) + "; set the size to match it (" + std::to_string(request.width) +
                "×" + std::to_string(request.height) + " is set)");
  }
  const bool fill = start.mask && request.masked_content == MaskedContent::Fill;
  start.model_rgb = fill ? fill_masked_area(start.rgb, start.mask->pixels) : start.rgb;
  const at::Tensor pixels = images_to_model_range(start.model_rgb.unsqueeze(0)).to(device);
  start.known = bundle.encode_image(pixels).expand({request.batch, -1, -1, -1}).to(type);
  if (start.mask) start.known = masked_content_latent(start.known, start.repaint, request.masked_content, item_seeds);
  return start;
}

}  // namespace diffscope
