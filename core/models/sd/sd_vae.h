#pragma once
// Stable Diffusion's AutoencoderKL (CompVis ldm autoencoder): the encoder
// (image → mean of the latent distribution) and the decoder (latent → image),
// built by walking the checkpoint's first_stage_model.* names. A VAE override
// file (e.g. vae-ft-mse-840000) is a store with the same names.
#include <ATen/core/Tensor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/models/sd/sd_layers.h"

namespace diffscope::sd {

class SdVae {
 public:
  // prefix: "first_stage_model." in a full checkpoint, "" in a VAE file;
  // scale_factor: latent = scale_factor · encoder mean (SD 1.x/2.x 0.18215, SDXL 0.13025);
  // compute_type: the VAE's own (SDXL's overflows in float16), else the store's.
  SdVae(WeightStore& store, const std::string& prefix, double scale_factor = 0.18215,
        std::optional<at::ScalarType> compute_type = std::nullopt);
  ~SdVae();
  SdVae(SdVae&&) noexcept;

  // Latents (B, z, h, w) as the U-Net sees them (scaled) → images in [−1, 1].
  at::Tensor decode(const at::Tensor& latents, const CancelToken& cancel = {}) const;
  // Images (B, 3, H, W) in [−1, 1] → scaled latents (the distribution's mean).
  at::Tensor encode(const at::Tensor& images, const CancelToken& cancel = {}) const;

  // Batches one image at a time (a 512² decode holds ~2 GB of activations),
  // after handing the sampler's freed heap back to the system (CPU).
  at::Tensor decode_each(const at::Tensor& latents) const;
  // The same for encoding (img2img); builds the encoder from `store` first if needed.
  at::Tensor encode_each(const at::Tensor& images, WeightStore& store);

  bool has_encoder() const { return encoder_ != nullptr; }
  // img2img alone needs the encoder: it is checked at load time, then freed
  // until encode() is first called with the store again.
  void drop_encoder(WeightStore& store);
  void load_encoder(WeightStore& store);
  int64_t latent_channels() const { return latent_channels_; }
  int64_t downsampling() const { return downsampling_; }

  struct Coder;

 private:
  std::unique_ptr<Coder> encoder_, decoder_;
  Conv2d quant_conv_, post_quant_conv_;
  int64_t latent_channels_ = 4, downsampling_ = 8;
  double scale_factor_ = 0.18215;
  std::string prefix_;
  int64_t z_channels_ = 4;
  at::ScalarType compute_type_;
};

}  // namespace diffscope::sd
