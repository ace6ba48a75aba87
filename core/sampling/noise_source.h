#pragma once
// Reproducible Gaussian noise. Every draw comes from CPU generators and equals
// PyTorch's `torch.manual_seed(seed); torch.randn(shape)`; item i of a batch
// has its own generator seeded with seed + i (as AUTOMATIC1111 and
// stable-diffusion.cpp do), so any image of a batch can be regenerated alone.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace diffscope {

class NoiseSource {
 public:
  NoiseSource(int64_t seed, int batch);
  // One generator per item, seeded as given (variation seeds give every item
  // the same seed: variation_noise.h).
  explicit NoiseSource(const std::vector<int64_t>& item_seeds);

  int batch() const { return static_cast<int>(generators_.size()); }
  // From now on, draws come from fresh generators seeded as given (one per item).
  void reseed(const std::vector<int64_t>& item_seeds);
  // A standard normal tensor with like's shape (batch in dim 0), dtype and device.
  at::Tensor draw_like(const at::Tensor& like);
  // A standard normal float32 CPU tensor of shape (batch, item_shape...).
  at::Tensor draw(at::IntArrayRef item_shape);

 private:
  std::vector<at::Generator> generators_;
};

}  // namespace diffscope
