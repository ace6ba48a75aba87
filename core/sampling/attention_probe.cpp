#include "core/sampling/attention_probe.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace diffscope {
namespace {

thread_local AttentionProbe* active_probe = nullptr;

}  // namespace

AttentionProbe::AttentionProbe(int64_t map_height, int64_t map_width)
    : map_height_(std::max<int64_t>(1, map_height)), map_width_(std::max<int64_t>(1, map_width)) {}

void AttentionProbe::set_prompt_rows(int64_t first, int64_t count) {
  first_row_ = std::max<int64_t>(0, first);
  rows_ = count;
}

void AttentionProbe::add(const at::Tensor& queries, const at::Tensor& keys, int64_t height, int64_t width) {
  if (queries.dim() != 4 || keys.dim() != 4 || queries.size(2) != height * width) return;
  // DAAM leaves out the maps 8× (or more) smaller than the latent (SD's 8×8
  // layers at 512²): a few pixels each, upsampled to a blur.
  if (height * 8 <= map_height_ && width * 8 <= map_width_) return;
  const int64_t batch = queries.size(0);
  const int64_t first = std::min(first_row_, batch - 1);
  const int64_t rows = rows_ < 0 ? batch - first : std::min(rows_, batch - first);
  if (rows <= 0) return;
  // Float32 whatever the network's type: these are few numbers (M is 77 per
  // chunk), and 16-bit softmax weights would blur the small ones.
  const at::Tensor q = queries.narrow(0, first, rows).to(at::kFloat);
  const at::Tensor k = keys.narrow(0, first, rows).to(at::kFloat);
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const at::Tensor weights = at::softmax(at::matmul(q, k.transpose(-1, -2)).mul_(scale), -1);  // (r, heads, N, M)
  const at::Tensor map = weights.sum(1).transpose(1, 2).reshape({rows, keys.size(2), height, width});
  at::Tensor& sum = sums_[{height, width}];
  if (sum.defined() && sum.sizes() == map.sizes()) {
    sum.add_(map);
  } else {
    sum = map.clone();  // first of this step, or the context changed length: start over
  }
}

at::Tensor AttentionProbe::take() {
  at::Tensor total;
  for (auto& [size, sum] : sums_) {
    at::Tensor scaled = size == std::make_pair(map_height_, map_width_)
                            ? sum
                            : at::upsample_bicubic2d(sum, {map_height_, map_width_}, false).clamp_min_(0);
    if (total.defined() && total.sizes() != scaled.sizes()) continue;  // a stale size of an earlier context
    total = total.defined() ? total.add_(scaled) : scaled.clone();
  }
  sums_.clear();
  return total.defined() ? total.to(at::kCPU) : total;
}

AttentionProbe* active_attention_probe() { return active_probe; }

ScopedAttentionProbe::ScopedAttentionProbe(AttentionProbe& probe) : previous_(active_probe) { active_probe = &probe; }

ScopedAttentionProbe::~ScopedAttentionProbe() { active_probe = previous_; }

}  // namespace diffscope
