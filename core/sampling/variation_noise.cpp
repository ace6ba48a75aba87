#include "core/sampling/variation_noise.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>

#include "core/common/errors.h"

namespace diffscope {
namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// The first noise a fresh generator seeded `seed` draws, as NoiseSource draws it.
at::Tensor first_noise(int64_t seed, const std::vector<int64_t>& shape) {
  NoiseSource source(std::vector<int64_t>{seed});
  return source.draw(shape)[0];
}

// A1111's placement of noise drawn at another size: centred, with Python's
// floor division for the offsets (so an odd difference favours the same side).
at::Tensor paste_centred(at::Tensor target, const at::Tensor& noise) {
  const int64_t h = target.size(1), w = target.size(2);
  const int64_t nh = noise.size(1), nw = noise.size(2);
  const int64_t dx = floor_div(w - nw, 2), dy = floor_div(h - nh, 2);
  const int64_t width = dx >= 0 ? nw : nw + 2 * dx;
  const int64_t height = dy >= 0 ? nh : nh + 2 * dy;
  const int64_t tx = std::max<int64_t>(dx, 0), ty = std::max<int64_t>(dy, 0);
  const int64_t sx = std::max<int64_t>(-dx, 0), sy = std::max<int64_t>(-dy, 0);
  using at::indexing::Slice;
  target.index_put_({Slice(), Slice(ty, ty + height), Slice(tx, tx + width)},
                    noise.index({Slice(), Slice(sy, sy + height), Slice(sx, sx + width)}));
  return target;
}

}  // namespace

std::vector<int64_t> batch_seeds(int64_t seed, int batch, const VariationSeed& variation) {
  std::vector<int64_t> seeds;
  for (int i = 0; i < batch; ++i) seeds.push_back(variation.mixes() ? seed : seed + i);
  return seeds;
}

at::Tensor slerp_noise(double t, const at::Tensor& low, const at::Tensor& high) {
  if (low.dim() != 3 || !low.sizes().equals(high.sizes())) {
    throw Error("variation seed: expected two noises of one shape (channels, height, width)");
  }
  const at::Tensor low_unit = low / low.norm(2, {1}, true);
  const at::Tensor high_unit = high / high.norm(2, {1}, true);
  const at::Tensor cosine = (low_unit * high_unit).sum(1);
  // A1111 weighs this rare case (identical noises) as below; it is kept so
  // that its parameters give its noise.
  if (cosine.mean().item<double>() > 0.9995) return low * t + high * (1.0 - t);
  const at::Tensor omega = at::acos(cosine);
  const at::Tensor sin_omega = at::sin(omega);
  return (at::sin((1.0 - t) * omega) / sin_omega).unsqueeze(1) * low +
         (at::sin(t * omega) / sin_omega).unsqueeze(1) * high;
}

at::Tensor initial_noise(NoiseSource& noise, const std::vector<int64_t>& item_seeds,
                         const std::vector<int64_t>& item_shape, const VariationSeed& variation,
                         int pixels_per_latent) {
  // Drawn first in every case, so that each item's stream continues the same
  // way for a stochastic sampler's later noise.
  const at::Tensor plain = noise.draw(item_shape);
  if (!variation.mixes() && !variation.resizes()) return plain;
  if (item_shape.size() != 3 || static_cast<int>(item_seeds.size()) != noise.batch()) {
    throw Error("variation seed: this model's noise is not an image of latents");
  }
  std::vector<int64_t> noise_shape = item_shape;
  if (variation.resizes()) {
    noise_shape[1] = variation.resize_from_height / pixels_per_latent;
    noise_shape[2] = variation.resize_from_width / pixels_per_latent;
    if (noise_shape[1] < 1 || noise_shape[2] < 1) {
      throw Error("Seed resize from " + std::to_string(variation.resize_from_width) + "x" +
                  std::to_string(variation.resize_from_height) + " is smaller than one latent pixel (" +
                  std::to_string(pixels_per_latent) + " pixels)");
    }
  }
  std::vector<at::Tensor> items;
  for (size_t i = 0; i < item_seeds.size(); ++i) {
    at::Tensor item = variation.resizes() ? first_noise(item_seeds[i], noise_shape) : plain[int64_t(i)];
    if (variation.mixes()) {
      item = slerp_noise(variation.strength, item, first_noise(variation.seed + int64_t(i), noise_shape));
    }
    if (variation.resizes()) item = paste_centred(plain[int64_t(i)].clone(), item);
    items.push_back(item);
  }
  return at::stack(items);
}

}  // namespace diffscope
