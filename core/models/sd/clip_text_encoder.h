#pragma once
// The text towers Stable Diffusion conditions on: OpenAI's CLIP ViT-L/14 (SD
// 1.x; Hugging Face CLIPTextModel names, quick-GELU, the last layer's output)
// and OpenCLIP ViT-H/14 (SD 2.x; open_clip names with fused in_proj
// attention weights, exact GELU, the penultimate layer's output); SDXL uses
// one of each (CLIP ViT-L and OpenCLIP ViT-bigG, both penultimate without
// the final norm, bigG also pooled through its text_projection). All are
// pre-norm transformers with a causal mask and a final layer norm.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "core/models/sd/sd_layers.h"

namespace diffscope::sd {

enum class ClipKind { OpenAi, OpenClip };  // the tensor names

struct ClipOptions {
  ClipKind kind = ClipKind::OpenAi;
  std::string prefix = "cond_stage_model.transformer.text_model.";
  bool quick_gelu = true;    // OpenAI's CLIP; OpenCLIP uses exact GELU
  bool penultimate = false;  // SD 2.x conditions on the last layer but one
  bool final_norm = true;    // through the final layer norm (SDXL's towers condition without it)
  bool projection = false;   // keep text_projection for the pooled embedding (SDXL's bigG)
  // Hugging Face names (CLIPTextModelWithProjection, diffusers' text_encoder_2):
  // the projection's full name, stored as a Linear weight, i.e. Pᵀ.
  std::string projection_linear;
};

// Vectors that take the place of token embeddings (a textual inversion's):
// rows position … position + n − 1 of chunk `row` get `vectors` (n, width).
struct TokenVectors {
  int64_t row = 0, position = 0;
  at::Tensor vectors;
};

struct ClipOutput {
  at::Tensor hidden;  // (N, 77, width) as forward() returns it
  at::Tensor pooled;  // (N, projection width): last layer, final norm, the end token's row, · text_projection
};

class ClipTextEncoder {
 public:
  ClipTextEncoder(WeightStore& store, const ClipOptions& options);

  // ids: (N, 77) int64 → hidden states (N, 77, width) of the layer the model
  // conditions on, clip_skip − 1 layers earlier (A1111's "Clip skip"),
  // through the final layer norm. `replaced`: token embeddings to replace.
  at::Tensor forward(const at::Tensor& ids, int clip_skip = 1, const std::vector<TokenVectors>& replaced = {}) const;

  // forward() and the pooled embedding in one pass; eos[i]: the position of
  // row i's end token. Needs options().projection.
  ClipOutput forward_pooled(const at::Tensor& ids, const std::vector<int64_t>& eos, int clip_skip = 1,
                            const std::vector<TokenVectors>& replaced = {}) const;

  const ClipOptions& options() const { return options_; }
  int64_t width() const { return width_; }
  int64_t vocabulary_size() const { return token_embedding_.size(0); }

 private:
  struct Layer {
    LayerNorm norm1, norm2;
    Linear q, k, v, out, fc1, fc2;
  };
  at::Tensor embed(const at::Tensor& ids, const std::vector<TokenVectors>& replaced) const;
  at::Tensor run_layer(const Layer& layer, const at::Tensor& x, const at::Tensor& mask) const;
  int layers_to_run(int clip_skip) const;

  ClipOptions options_;
  int64_t width_ = 768, heads_ = 12, context_length_ = 77;
  at::Tensor token_embedding_, position_embedding_;
  std::vector<Layer> layers_;
  LayerNorm final_norm_;
  at::Tensor text_projection_;  // (width, projection width), applied as h·P
};

// A1111's emphasis on one tower's output z (N, 77, width): each token scaled
// by its weight (N, 77), then each chunk's mean restored.
at::Tensor apply_emphasis(const at::Tensor& z, const at::Tensor& weights);

}  // namespace diffscope::sd
