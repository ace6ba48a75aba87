#pragma once
// Word heat maps as DAAM (Tang et al., "What the DAAM", 2022) defines them:
// every cross-attention layer's softmax weights from image positions to text
// tokens, summed over heads, upsampled (bicubic, clamped at 0) to one map
// size and summed over layers (except, as DAAM, those 8× or more smaller
// than the latent). A probe collects these sums while it is
// active on the thread that runs the network; the cross-attention layers of
// the models offer it their queries and keys. The weights are computed for
// the probe on their own, beside the layer's own attention (whichever kernel
// that uses), so recording never changes the image.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <utility>

namespace diffscope {

class AttentionProbe {
 public:
  // Maps are summed at map_height × map_width (the latent's size).
  AttentionProbe(int64_t map_height, int64_t map_width);

  // The batch rows of the coming network calls that the prompt conditions
  // (under classifier-free guidance the second half); the others are not
  // recorded.
  void set_prompt_rows(int64_t first, int64_t count);

  // One cross-attention layer over an h × w feature map: queries (B, heads,
  // h·w, d), keys (B, heads, M, d) of the M context tokens.
  void add(const at::Tensor& queries, const at::Tensor& keys, int64_t height, int64_t width);

  // What was added since the last take: (rows, M, map_height, map_width),
  // float32 on the CPU; undefined when nothing was.
  at::Tensor take();

 private:
  int64_t map_height_, map_width_;
  int64_t first_row_ = 0, rows_ = -1;  // rows_ < 0: all
  // Summed per feature-map size; each size is upsampled once, at take().
  std::map<std::pair<int64_t, int64_t>, at::Tensor> sums_;
};

// The probe active on this thread, or nullptr (then layers skip the work).
AttentionProbe* active_attention_probe();

// Makes a probe this thread's active one for its lifetime.
class ScopedAttentionProbe {
 public:
  explicit ScopedAttentionProbe(AttentionProbe& probe);
  ~ScopedAttentionProbe();
  ScopedAttentionProbe(const ScopedAttentionProbe&) = delete;
  ScopedAttentionProbe& operator=(const ScopedAttentionProbe&) = delete;

 private:
  AttentionProbe* previous_;
};

}  // namespace diffscope
