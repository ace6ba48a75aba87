#pragma once
// AUTOMATIC1111's variation seeds and "Seed resize from", so that its
// parameters mean the same here: x_T's noise is the seed's noise moved
// towards a second seed's by spherical interpolation (a nearby image with the
// same composition), and a seed's noise drawn at another size can be kept
// centred when the image size changes. Only x_T's noise changes; the noise a
// stochastic sampler draws later comes from the seed's stream as before.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/sampling/noise_source.h"

namespace diffscope {

struct VariationSeed {
  int64_t seed = 0;       // A1111's "Variation seed"; batch item i uses seed + i
  double strength = 0.0;  // "Variation seed strength": 0 the seed's noise, 1 the variation seed's
  // "Seed resize from" (pixels; 0: off): draw the seed's noise as for this
  // size and paste it centred into (or crop it to) the image's.
  int resize_from_width = 0, resize_from_height = 0;

  bool mixes() const { return strength != 0.0; }
  bool resizes() const { return resize_from_width > 0 && resize_from_height > 0; }
};

// Each batch item's seed as A1111 gives them: seed + i, but the same seed for
// every item when a variation seed mixes in (a batch of variations of one image).
std::vector<int64_t> batch_seeds(int64_t seed, int batch, const VariationSeed& variation);

// A1111's slerp on one item (C, H, W): the interpolation angle is taken per
// (channel, column) over the rows, as its code normalises along dim 1; where
// the two noises are almost parallel (mean cosine > 0.9995) it blends linearly
// with the weights its code uses.
at::Tensor slerp_noise(double t, const at::Tensor& low, const at::Tensor& high);

// x_T's unit noise (batch, item_shape…) for items seeded `item_seeds` (the
// first draw of `noise`, which must hold those seeds), with the variation
// and seed resize applied. `pixels_per_latent`: image pixels per latent
// element along each side (8 for Stable Diffusion, 1 for the oracle).
at::Tensor initial_noise(NoiseSource& noise, const std::vector<int64_t>& item_seeds,
                         const std::vector<int64_t>& item_shape, const VariationSeed& variation,
                         int pixels_per_latent);

}  // namespace diffscope
