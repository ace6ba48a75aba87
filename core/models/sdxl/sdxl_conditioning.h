#pragma once
// What SDXL's U-Net is conditioned on besides x_t and t (sgm's
// GeneralConditioner): the token context and the vector y.
//   base:    context = CLIP-L ‖ bigG (2,048 wide);
//            y = pooled bigG text (1,280) ‖ E(original h, w) ‖ E(crop top, left) ‖ E(target h, w)
//   refiner: context = bigG (1,280 wide);
//            y = pooled bigG text (1,280) ‖ E(original h, w) ‖ E(crop top, left) ‖ E(aesthetic score)
// where E embeds each value in 256 sinusoidal features.
//
// The pipeline batches, guides and pads conditioning without knowing its
// layout, so the text's part of y travels with the tokens as one tensor:
// (B, tokens + rows, context_dim), the token rows, then `rows` rows holding
// the prompt's vector values (the pooled text; for the refiner also the
// aesthetic score, which differs between prompt and negative prompt), zeros
// after them. The size part is added by the network, which knows the image
// size from the latents it is given.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <vector>

#include "core/models/size_conditioning.h"

namespace diffscope::sdxl {

// Rows after the tokens that hold `text_width` vector values.
int64_t packed_rows(int64_t text_width, int64_t context_dim);

// context (B, tokens, context_dim) and the text's vector values (B, text_width).
at::Tensor pack_conditioning(const at::Tensor& context, const at::Tensor& vector_text);

struct Conditioning {
  at::Tensor context;      // (B, tokens, context_dim)
  at::Tensor vector_text;  // (B, text_width)
};
Conditioning unpack_conditioning(const at::Tensor& packed, int64_t text_width);

// Each value v through the 256-wide sinusoidal embedding [cos(v·f_k), sin(v·f_k)],
// f_k = 10000^(−k/128), concatenated: (1, n · 256) float32.
at::Tensor fourier_embedding(const std::vector<double>& values);

// The whole y (B, pooled + 1,536 or + 1,280) from the unpacked text values
// and the size values (SizeConditioning::values); refiner: the last text
// value is the aesthetic score.
at::Tensor vector_conditioning(const at::Tensor& vector_text, const std::array<int64_t, 6>& sizes, bool refiner);

}  // namespace diffscope::sdxl
