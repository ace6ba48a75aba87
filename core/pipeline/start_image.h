#pragma once
// What img2img and inpainting add to a run: the start image, read and
// encoded once for every batch item, and the inpainting mask at the latent's
// size (inpaint_mask.h). The mask is read first, so that a bad mask is
// refused before the (for Stable Diffusion, costly) encode.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <optional>

#include "core/models/model_bundle.h"
#include "core/pipeline/inpaint_mask.h"
#include "core/pipeline/request.h"

namespace diffscope {

struct StartImage {
  at::Tensor rgb;  // (H, W, 3) uint8 at the run's size: as read, or fitted to it
  // What the model is shown: rgb, or with masked content "fill" its masked
  // part painted over (masked_content.h); the overlay keeps rgb.
  at::Tensor model_rgb;
  at::Tensor known;  // (B, C, h, w): its latents in the run's type, for every batch item
  std::optional<InpaintMask> mask;
  at::Tensor repaint;  // (1, 1, h, w) on the device, 1 where the model draws; undefined without a mask
};

// Reads request.init_image (and request.mask_image) for latents of
// `latent_shape` (C, h, w): the image (and the mask, which must have its
// size) fitted to the request's size by its resize mode (resize_mode.h), with
// the request's masked content: "fill" paints the image before it is encoded,
// the latent kinds replace the masked part of `known` (with `item_seeds`'
// noise). Error when a file is unreadable, the mask's size is not the
// image's, or a latent upscale would encode more pixels than the run's.
StartImage read_start_image(ModelBundle& bundle, const Request& request, const c10::Device& device, at::ScalarType type,
                            const std::vector<int64_t>& latent_shape, const std::vector<int64_t>& item_seeds);

}  // namespace diffscope
