#pragma once
// Inpainting as AUTOMATIC1111 does it with an ordinary checkpoint ("Inpaint
// masked", masked content "original", the whole picture): the mask is
// blurred (a Gaussian of σ = "Mask blur" pixels, cv2's kernel size) at the
// start image's size, brought to the run's size with the image (its "Resize
// mode"), scaled to the latent's size (bicubic, as PIL's resize) and rounded
// to 0 or 1. At every model call the prediction x̂₀ keeps the start image's latent where that mask
// is 0 (masked_denoiser.h), so the known part is re-noised to each step's
// level by the sampler itself; the final image is the start image laid over
// the result through the blurred mask doubled (A1111's mask_for_overlay), so
// unmasked pixels come back exactly and the repainted part shows none of the
// old image.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "core/pipeline/resize_mode.h"

namespace diffscope {

struct InpaintMask {
  at::Tensor pixels;  // (H, W) float in [0, 1], blurred: 1 repaints, 0 keeps the start image
  at::Tensor latent;  // (1, 1, h, w) float, 0 or 1
};

// A mask PNG of the run's size as (H, W) floats in [0, 1]: its luminance
// (ITU-R 601, as PIL's "L"), white repainting; `invert` repaints the black
// part instead (A1111's "Inpaint not masked"). Error on another size.
at::Tensor read_mask_png(const std::string& path, int width, int height, bool invert);

// A Gaussian blur of an (H, W) mask with σ = `sigma` pixels over
// 2·⌊2.5σ + 0.5⌋ + 1 taps, mirrored at the edges (cv2.GaussianBlur's kernel
// and border); σ = 0 returns it unchanged.
at::Tensor blur_mask(const at::Tensor& mask, double sigma);

// The blurred mask at the latent's size (h, w), rounded to 0 or 1.
at::Tensor latent_mask(const at::Tensor& pixels, int64_t height, int64_t width);

// Where the blurred mask goes before its latent is taken: the run's size,
// reached as the start image reaches it (resize_mode.h). Width 0: it stays.
struct MaskFit {
  int width = 0, height = 0;
  ResizeMode mode = ResizeMode::JustResize;
};

// All three steps for a mask of width × height (the start image's size),
// blurred at that size and then fitted (A1111's order); Error when it leaves
// nothing to repaint at the latent's resolution.
InpaintMask load_inpaint_mask(const std::string& path, int width, int height, int blur, bool invert,
                              int64_t latent_height, int64_t latent_width, const MaskFit& fit = {});

// Final images (B, H, W, 3) uint8 with the start image (H, W, 3) uint8 laid
// over them with opacity 1 − min(2·mask, 1) (A1111's overlay of the whole
// picture): the start image where the blurred mask is 0, the result where it
// reaches ½, a blend in between.
at::Tensor overlay_start_image(const at::Tensor& images, const at::Tensor& start, const at::Tensor& mask_pixels);

}  // namespace diffscope
