#pragma once
// What an inpainting model's U-Net reads beside x_t (sd_unet.h): the mask and
// the latent of the start image with the masked part made grey, as A1111
// feeds sd-v1-5-inpainting and its kin (processing.py's
// inpainting_image_conditioning and txt2img_image_conditioning):
//   mask:   the blurred mask, rounded to 0/1 at the image's size, then scaled
//           to the latent's size by taking every 8th pixel (nearest);
//   masked: start image · (1 − w·mask) in [−1, 1] (0: grey where it
//           repaints), through the model's image encoder; w is A1111's
//           "Inpainting conditioning mask strength" (Request::inpainting_mask_weight).
// Without a mask (img2img) the mask is all 1, and without a start image
// (txt2img) the image is all grey (whatever w): the model is told to paint everything.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

#include "core/models/model_bundle.h"
#include "core/pipeline/start_image.h"

namespace diffscope {

// (1, 5, h, w) float on `device`: the mask, then the masked image's latent.
// `start`: the run's start image, or null for txt2img; `width`×`height`: the
// run's image size; `latent_shape`: (C, h, w); `mask_weight`: w above.
at::Tensor inpainting_image_conditioning(ModelBundle& bundle, const StartImage* start, int width, int height,
                                         const std::vector<int64_t>& latent_shape, const c10::Device& device,
                                         double mask_weight = 1.0);

}  // namespace diffscope
