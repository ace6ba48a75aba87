#include "core/models/sd/sd_vae.h"

#include <ATen/ATen.h>
#include <malloc.h>

#include <cmath>
#include <optional>
#include <vector>

#include "core/common/errors.h"

namespace diffscope::sd {
namespace {

constexpr double kEps = 1e-6;

struct ResnetBlock {
  GroupNorm norm1, norm2;
  Conv2d conv1, conv2;
  std::optional<Conv2d> shortcut;
  int64_t out = 0;

  ResnetBlock(WeightStore& store, const std::string& p, int64_t in) {
    out = store.shape(p + ".conv1.weight").at(0);
    norm1 = GroupNorm::load(store, p + ".norm1", in, kEps);
    conv1 = Conv2d::load(store, p + ".conv1", in, out, 3);
    norm2 = GroupNorm::load(store, p + ".norm2", out, kEps);
    conv2 = Conv2d::load(store, p + ".conv2", out, out, 3);
    if (in != out) shortcut = Conv2d::load(store, p + ".nin_shortcut", in, out, 1);
  }
  at::Tensor forward(const at::Tensor& x) const {
    // In place where it can be: at 512² one activation is 256 MB in float32.
    at::Tensor h = conv1(silu_in_place(norm1(x)));
    h = conv2(silu_in_place(norm2(h)));
    return h.add_(shortcut ? (*shortcut)(x) : x);
  }
};

// Single-head self-attention over the pixels; q/k/v/proj_out are 1×1 convs
// (or linear layers in some converted files).
struct AttnBlock {
  GroupNorm norm;
  Linear q, k, v, proj_out;

  AttnBlock(WeightStore& store, const std::string& p, int64_t c) {
    norm = GroupNorm::load(store, p + ".norm", c, kEps);
    auto load = [&](const std::string& name) {
      return store.shape(p + "." + name + ".weight").size() == 2 ? Linear::load(store, p + "." + name, c, c)
                                                                 : Linear::load_pointwise(store, p + "." + name, c, c);
    };
    q = load("q"), k = load("k"), v = load("v"), proj_out = load("proj_out");
  }
  at::Tensor forward(const at::Tensor& x) const {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    at::Tensor tokens = norm(x).permute({0, 2, 3, 1}).reshape({b, h * w, c});
    at::Tensor out = attention(q(tokens).unsqueeze(1), k(tokens).unsqueeze(1), v(tokens).unsqueeze(1), {}, true);
    return x + proj_out(out.squeeze(1)).view({b, h, w, c}).permute({0, 3, 1, 2});
  }
};

}  // namespace

// Encoder or decoder: conv_in, resolution levels, the middle (ResNet,
// attention, ResNet), GroupNorm, SiLU, conv_out.
struct SdVae::Coder {
  struct Level {
    std::vector<ResnetBlock> blocks;
    std::optional<Conv2d> resample;
  };
  bool decoder = false;
  Conv2d conv_in, conv_out;
  std::vector<Level> levels;  // in the order they run
  std::optional<ResnetBlock> mid1, mid2;
  std::optional<AttnBlock> mid_attn;
  GroupNorm norm_out;

  Coder(WeightStore& store, const std::string& p, bool is_decoder, int64_t in_channels, int64_t out_channels)
      : decoder(is_decoder) {
    const int64_t first = store.shape(p + "conv_in.weight").at(0);
    conv_in = Conv2d::load(store, p + "conv_in", in_channels, first, 3);
    int64_t c = first;
    const std::string group = decoder ? "up." : "down.";
    int count = 0;
    while (store.has(p + group + std::to_string(count) + ".block.0.norm1.weight")) ++count;
    if (count == 0) throw Error("the checkpoint has no tensor '" + p + group + "0.block.0.norm1.weight'");
    auto load_mid = [&] {
      mid1.emplace(store, p + "mid.block_1", c);
      mid_attn.emplace(store, p + "mid.attn_1", c);
      mid2.emplace(store, p + "mid.block_2", c);
    };
    if (decoder) load_mid();
    for (int step = 0; step < count; ++step) {
      const int i = decoder ? count - 1 - step : step;  // the decoder runs up.N−1 first
      const std::string l = p + group + std::to_string(i);
      Level level;
      for (int j = 0; store.has(l + ".block." + std::to_string(j) + ".norm1.weight"); ++j) {
        level.blocks.emplace_back(store, l + ".block." + std::to_string(j), c);
        c = level.blocks.back().out;
      }
      const std::string resample = l + (decoder ? ".upsample.conv" : ".downsample.conv");
      if (store.has(resample + ".weight")) level.resample = Conv2d::load(store, resample, c, c, 3, decoder ? 1 : 2);
      if (level.resample && !decoder) level.resample->padding = 0;  // padded (0, 1, 0, 1) by hand
      levels.push_back(std::move(level));
    }
    if (!decoder) load_mid();
    norm_out = GroupNorm::load(store, p + "norm_out", c, kEps);
    conv_out = Conv2d::load(store, p + "conv_out", c, out_channels, 3);
  }

  at::Tensor forward(at::Tensor h, const CancelToken& cancel) const {
    auto middle = [&] { h = mid2->forward(mid_attn->forward(mid1->forward(h))); };
    h = conv_in(h);
    if (decoder) middle();
    for (const Level& level : levels) {
      cancel.throw_if_cancelled();
      for (const ResnetBlock& block : level.blocks) h = block.forward(h);
      if (!level.resample) continue;
      if (decoder) {
        h = (*level.resample)(at::upsample_nearest2d(h, {h.size(2) * 2, h.size(3) * 2}));
      } else {
        h = (*level.resample)(at::constant_pad_nd(h, {0, 1, 0, 1}, 0));
      }
    }
    if (!decoder) middle();
    return conv_out(silu_in_place(norm_out(h)));
  }

  int resamplings() const {
    int n = 0;
    for (const Level& level : levels) n += level.resample ? 1 : 0;
    return n;
  }
};

SdVae::~SdVae() = default;
SdVae::SdVae(SdVae&&) noexcept = default;

namespace {

// The store hands out tensors in `type` while this lives.
class StoreComputeType {
 public:
  StoreComputeType(WeightStore& store, at::ScalarType type) : store_(store), saved_(store.compute_type()) {
    store_.set_compute_type(type);
  }
  ~StoreComputeType() { store_.set_compute_type(saved_); }

 private:
  WeightStore& store_;
  at::ScalarType saved_;
};

}  // namespace

SdVae::SdVae(WeightStore& store, const std::string& prefix, double scale_factor,
             std::optional<at::ScalarType> compute_type)
    : scale_factor_(scale_factor), prefix_(prefix), compute_type_(compute_type.value_or(store.compute_type())) {
  StoreComputeType as(store, compute_type_);
  const auto post = store.shape(prefix + "post_quant_conv.weight");
  latent_channels_ = post.at(1);
  z_channels_ = store.shape(prefix + "decoder.conv_in.weight").at(1);
  post_quant_conv_ = Conv2d::load(store, prefix + "post_quant_conv", latent_channels_, z_channels_, 1);
  decoder_ = std::make_unique<Coder>(store, prefix + "decoder.", true, z_channels_, 3);
  downsampling_ = int64_t(1) << decoder_->resamplings();
  load_encoder(store);
}

void SdVae::load_encoder(WeightStore& store) {
  StoreComputeType as(store, compute_type_);
  quant_conv_ = Conv2d::load(store, prefix_ + "quant_conv", 2 * z_channels_, 2 * latent_channels_, 1);
  encoder_ = std::make_unique<Coder>(store, prefix_ + "encoder.", false, 3, 2 * z_channels_);
}

void SdVae::drop_encoder(WeightStore& store) {
  encoder_.reset();
  quant_conv_ = {};
  store.allow_retake(prefix_ + "encoder.");
  store.allow_retake(prefix_ + "quant_conv.");
}

at::Tensor SdVae::decode(const at::Tensor& latents, const CancelToken& cancel) const {
  const auto type = post_quant_conv_.weight.scalar_type();
  at::Tensor z = post_quant_conv_(latents.to(type) / scale_factor_);
  return decoder_->forward(z, cancel).to(latents.scalar_type());
}

at::Tensor SdVae::encode(const at::Tensor& images, const CancelToken& cancel) const {
  if (!encoder_) throw Error("internal: the VAE's encoder was not loaded");
  if (images.size(2) % downsampling_ != 0 || images.size(3) % downsampling_ != 0) {
    throw Error("the image's sides must be multiples of " + std::to_string(downsampling_));
  }
  const auto type = quant_conv_.weight.scalar_type();
  at::Tensor moments = quant_conv_(encoder_->forward(images.to(type), cancel));
  return (moments.slice(1, 0, latent_channels_) * scale_factor_).to(images.scalar_type());
}

at::Tensor SdVae::decode_each(const at::Tensor& latents) const {
  // The sampler's freed activations stay in the heap (runtime.cpp keeps them
  // for reuse); the decoder's are larger and shaped differently, so hand
  // them back first: it keeps the peak near weights + one decode.
  if (latents.device().is_cpu()) malloc_trim(0);
  std::vector<at::Tensor> images;
  for (int64_t i = 0; i < latents.size(0); ++i) images.push_back(decode(latents.narrow(0, i, 1)));
  return at::cat(images);
}

at::Tensor SdVae::encode_each(const at::Tensor& images, WeightStore& store) {
  if (!has_encoder()) load_encoder(store);
  std::vector<at::Tensor> latents;
  for (int64_t i = 0; i < images.size(0); ++i) latents.push_back(encode(images.narrow(0, i, 1)));
  return at::cat(latents);
}

}  // namespace diffscope::sd
