#pragma once
// Stable Diffusion's U-Net (CompVis ldm openaimodel.UNetModel) built from a
// checkpoint by walking its tensor names: input blocks (ResBlocks, spatial
// transformers, downsamplers), the middle block and output blocks with skip
// connections. Channel counts come from the tensors and are checked against
// each other, so SD 1.x, 2.x and XL (and scaled-down test checkpoints) load alike.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/models/sd/sd_layers.h"

namespace diffscope::sd {

struct UnetOptions {
  std::string prefix = "model.diffusion_model.";
  int64_t context_dim = 768;
  int64_t heads = 8;               // SD 1.x: 8 heads at every level
  int64_t head_dim = 0;            // SD 2.x: heads of 64 channels (then `heads` is ignored)
  bool linear_projection = false;  // SD 2.x: proj_in/proj_out are linear, not 1×1 convs
  bool upcast_attention = false;   // attention scores in float32 (SD 2.1 in fp16)
};

// An inpainting U-Net (sd-v1-5-inpainting, 512-inpainting-ema, SDXL
// inpainting 0.1) reads 9 channels: x_t (4), the mask (1) and the masked
// image's latent (4), in that order (CompVis' c_concat; diffusers'
// StableDiffusionInpaintPipeline concatenates them the same way).
inline constexpr int64_t kInpaintingInputChannels = 9;
inline constexpr int64_t kImageConditioningChannels = kInpaintingInputChannels - 4;

// The U-Net's input channels (its first convolution's): 4, or 9 for an
// inpainting U-Net; Error naming what another count is (8: InstructPix2Pix,
// 5: depth-to-image).
int64_t unet_input_channels(const WeightStore& store, const std::string& prefix);

// The sinusoidal timestep embedding (cos half first, as CompVis), float32.
at::Tensor timestep_embedding(const at::Tensor& timesteps, int64_t dim, double max_period = 10000.0);

class SdUnet {
 public:
  SdUnet(WeightStore& store, const UnetOptions& options);
  ~SdUnet();
  SdUnet(SdUnet&&) noexcept;

  // x: (B, 4, h, w) variance-preserving x_t; context (B, M, context_dim) → ε̂ or v̂.
  // y: (B, adm_channels()) vector conditioning for a U-Net with a label
  // embedding (SDXL), undefined otherwise. image: an inpainting U-Net's
  // (1 or B, 5, h, w) mask and masked-image latent, read beside x; undefined
  // otherwise. Checks `cancel` between blocks.
  at::Tensor forward(const at::Tensor& x, double t, const at::Tensor& context, const CancelToken& cancel,
                     const at::Tensor& y = {}, const at::Tensor& image = {}) const;

  bool inpainting() const { return in_channels_ == kInpaintingInputChannels; }

  // Width of the vector conditioning y (sgm's adm_in_channels); 0 without one.
  int64_t adm_channels() const { return adm_channels_; }

  int64_t downsampling() const { return downsampling_; }  // 2^(number of downsamplers)

  struct ResBlock;
  struct SpatialTransformer;
  struct Downsample;
  struct Upsample;
  using Layer = std::variant<std::unique_ptr<ResBlock>, std::unique_ptr<SpatialTransformer>,
                             std::unique_ptr<Downsample>, std::unique_ptr<Upsample>>;
  using Block = std::vector<Layer>;

 private:
  at::Tensor run_block(const Block& block, at::Tensor h, const at::Tensor& emb, const at::Tensor& context) const;

  UnetOptions options_;
  int64_t in_channels_ = 4, model_channels_ = 320, downsampling_ = 1;
  Linear time_in_, time_out_;
  Linear label_in_, label_out_;  // label_emb.0.0 / .0.2 (SDXL's vector conditioning)
  int64_t adm_channels_ = 0;
  Conv2d conv_in_;
  std::vector<Block> input_blocks_, output_blocks_;
  Block middle_;
  GroupNorm out_norm_;
  Conv2d conv_out_;
};

}  // namespace diffscope::sd
