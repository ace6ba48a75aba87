#include "core/pipeline/start_image.h"

#include <ATen/ATen.h>

#include <string>

#include "core/common/errors.h"
#include "core/io/png_image.h"

namespace diffscope {

StartImage read_start_image(ModelBundle& bundle, const Request& request, const c10::Device& device, at::ScalarType type,
                            const std::vector<int64_t>& latent_shape) {
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
  const at::Tensor pixels = start.rgb.permute({2, 0, 1}).unsqueeze(0).to(device, at::kFloat) / 127.5 - 1.0;
  start.known = bundle.encode_image(pixels).expand({request.batch, -1, -1, -1}).to(type);
  return start;
}

}  // namespace diffscope
