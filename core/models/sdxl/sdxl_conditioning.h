#pragma once
// What SDXL's U-Net is conditioned on besides x_t and t (sgm's
// GeneralConditioner): the 2,048-wide token context (CLIP-L ‖ bigG) and the
// vector y = pooled bigG text (1,280) ‖ Fourier embeddings of the original
// size, the crop's top-left corner and the target size (6 × 256).
//
// The pipeline batches, guides and pads conditioning without knowing its
// layout, so the two travel as one tensor: (B, tokens + 1, context_dim), the
// token rows, then one row that starts with the pooled embedding (zeros
// after it). The size part is added by the network, which knows the image
// size from the latents it is given.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>

namespace diffscope::sdxl {

at::Tensor pack_conditioning(const at::Tensor& context, const at::Tensor& pooled);

struct Conditioning {
  at::Tensor context;  // (B, tokens, context_dim)
  at::Tensor pooled;   // (B, pooled_width)
};
Conditioning unpack_conditioning(const at::Tensor& packed, int64_t pooled_width);

// The size part of y for an image of height × width: sgm's
// (original_size, crop_coords_top_left, target_size), each as (height, width)
// or (top, left). A1111 and stable-diffusion.cpp use the image size for both
// sizes and no crop.
struct SizeConditioning {
  int64_t original_height = 0, original_width = 0;  // 0: the image's
  int64_t crop_top = 0, crop_left = 0;
  int64_t target_height = 0, target_width = 0;  // 0: the image's
  std::array<int64_t, 6> values(int64_t image_height, int64_t image_width) const;
};

// Each value v through the 256-wide sinusoidal embedding [cos(v·f_k), sin(v·f_k)],
// f_k = 10000^(−k/128), concatenated: (1, 6 · 256) float32.
at::Tensor size_embedding(const std::array<int64_t, 6>& values);

}  // namespace diffscope::sdxl
