#pragma once
// TAESD / TAESDXL (madebyollin/taesd): a tiny distilled decoder from SD's or
// SDXL's latents to images, the per-step preview ComfyUI, A1111 and
// stable-diffusion.cpp show. The published taesd_decoder.safetensors layout:
// tanh(x/3)·3, a 3×3 conv to 64 channels and ReLU, then three levels of three
// residual blocks (conv-ReLU-conv-ReLU-conv, + input, ReLU) each followed by
// a nearest ×2 upsample and a bias-free conv, one more block and a conv to
// RGB in [0, 1]. Tensors are named by their place in that sequence ("1.weight",
// "3.conv.0.weight", …). DiffScope does not ship these weights: it uses them
// when the user has them.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace diffscope::sd {

class TaesdDecoder {
 public:
  // Error naming the file and tensor for anything that is not the layout.
  static std::unique_ptr<TaesdDecoder> load(const std::filesystem::path& path, at::ScalarType compute_type,
                                            const c10::Device& device);
  // The model's latents (B, C, h, w) → images (B, 3, 8h, 8w) in [−1, 1];
  // with `downscale` > 1 from latents averaged over downscale² cells, an
  // image that many times smaller per side at that fraction of the cost.
  at::Tensor decode(const at::Tensor& latents, int downscale = 1) const;
  // The per-step preview: on the CPU above 32×32 latents (256² images) at
  // half the side, so that x_t's and x̂0's previews cost a few per cent of an
  // SD step (docs/PERFORMANCE.md); bilinearly back to the image's size.
  at::Tensor preview(const at::Tensor& latents) const;
  static int preview_downscale(const at::Tensor& latents);
  int64_t latent_channels() const { return latent_channels_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Conv {
    at::Tensor weight, bias;  // bias undefined for the upsamplers' convs
  };
  std::filesystem::path path_;
  int64_t latent_channels_ = 4;
  at::ScalarType compute_type_ = at::kFloat;
  Conv input_, output_;
  std::vector<std::vector<Conv>> blocks_;  // per block: its three convs, in order of the sequence
  std::vector<Conv> upsamplers_;           // the three bias-free convs after each ×2
};

// The TAESD decoder for a checkpoint: `asked` ("" to look, "none" for none,
// else a file), else taesd_decoder.safetensors (taesdxl_… for SDXL) beside
// the checkpoint (a diffusers folder: in it or beside it), in a
// vae_approx/ folder next to the checkpoint's (ComfyUI's place) or in the
// user's data folder under taesd/. Error when an asked file is missing.
std::optional<std::filesystem::path> find_taesd(const std::filesystem::path& checkpoint, const std::string& asked,
                                                bool xl);

}  // namespace diffscope::sd
