#include "core/sampling/noise_source.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "core/common/errors.h"

namespace diffscope {

NoiseSource::NoiseSource(int64_t seed, int batch) {
  if (batch < 1) throw Error("the batch size must be at least 1");
  for (int i = 0; i < batch; ++i) {
    generators_.push_back(at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed + i)));
  }
}

NoiseSource::NoiseSource(const std::vector<int64_t>& item_seeds) {
  if (item_seeds.empty()) throw Error("the batch size must be at least 1");
  for (const int64_t seed : item_seeds) {
    generators_.push_back(at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed)));
  }
}

void NoiseSource::reseed(const std::vector<int64_t>& item_seeds) {
  if (item_seeds.size() != generators_.size()) throw Error("noise: reseeding needs one seed per batch item");
  *this = NoiseSource(item_seeds);
}

at::Tensor NoiseSource::draw(at::IntArrayRef item_shape) {
  std::vector<at::Tensor> items;
  items.reserve(generators_.size());
  for (auto& generator : generators_) {
    items.push_back(at::randn(item_shape, generator, at::TensorOptions().dtype(at::kFloat)).unsqueeze(0));
  }
  return at::cat(items);
}

at::Tensor NoiseSource::draw_like(const at::Tensor& like) {
  if (like.dim() < 1 || like.size(0) != batch()) {
    throw Error("noise: expected a batch of " + std::to_string(batch()) + " items");
  }
  // Always float32 on the CPU first: the same numbers whatever the run's dtype or device.
  return draw(like.sizes().slice(1)).to(like.options());
}

}  // namespace diffscope
