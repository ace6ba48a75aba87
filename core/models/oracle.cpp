#include "core/models/oracle.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/common/errors.h"

namespace diffscope {

OracleNetwork::OracleNetwork(const at::Tensor& images, const NoiseSchedule& schedule) : schedule_(schedule) {
  if (images.dim() != 4 || images.size(0) < 1) throw Error("oracle: needs a non-empty (N, C, H, W) image set");
  shape_ = images.sizes().slice(1).vec();
  const at::Tensor flat = (images.is_floating_point() ? images : images.to(at::kFloat)).reshape({images.size(0), -1});
  // Centring keeps the dot products below small, which keeps float32 accurate.
  mean_ = flat.mean(0);
  images_ = (flat - mean_).contiguous();
}

const at::Tensor& OracleNetwork::flat_images_for(const at::Tensor& like) {
  if (!cached_.defined() || cached_.scalar_type() != like.scalar_type() || cached_.device() != like.device()) {
    cached_ = images_.to(like.options());
    cached_mean_ = mean_.to(like.options());
    cached_norms_ = cached_.pow(2).sum(1);
  }
  return cached_;
}

OracleNetwork::Posterior OracleNetwork::posterior(const at::Tensor& x_t, double t, const at::Tensor& context) {
  if (!x_t.sizes().slice(1).equals(shape_)) {
    throw Error("oracle: input of shape " + c10::str(x_t.sizes()) + " does not match the set's images " +
                c10::str(at::IntArrayRef(shape_)));
  }
  if (context.dim() != 2 || context.size(1) != size() || context.size(0) != x_t.size(0)) {
    throw Error("oracle: the conditioning must be (batch, " + std::to_string(size()) + ")");
  }
  Posterior result;
  result.images = flat_images_for(x_t);
  at::Tensor prior = context.to(x_t.options());
  at::Tensor norms = cached_norms_;
  const at::Tensor allowed = (prior != -std::numeric_limits<double>::infinity()).any(0).nonzero().squeeze(1);
  if (allowed.numel() == 0) throw Error("oracle: the conditioning allows no image");
  if (2 * allowed.numel() <= size()) {
    result.allowed = allowed;
    result.images = result.images.index_select(0, allowed);
    norms = norms.index_select(0, allowed);
    prior = prior.index_select(1, allowed);
  }
  const double alpha_bar = NoiseSchedule::alpha_bar_of_sigma(schedule_.sigma_at(t));
  const double root = std::sqrt(alpha_bar);
  // ‖x_t − √ᾱ x⁽ⁱ⁾‖² with x⁽ⁱ⁾ = m + c⁽ⁱ⁾ and y = x_t − √ᾱ m is ‖y‖² − 2√ᾱ y·c⁽ⁱ⁾ + ᾱ‖c⁽ⁱ⁾‖²;
  // ‖y‖² is the same for every i and drops out of the softmax.
  const at::Tensor y = x_t.reshape({x_t.size(0), -1}) - cached_mean_ * root;
  const at::Tensor logits =
      (at::mm(y, result.images.t()) * (2.0 * root) - norms * alpha_bar) / (2.0 * (1.0 - alpha_bar));
  result.weights = at::softmax(logits + prior, 1);
  return result;
}

at::Tensor OracleNetwork::weights(const at::Tensor& x_t, double t, const at::Tensor& context) {
  Posterior p = posterior(x_t, t, context);
  if (!p.allowed.defined()) return p.weights;
  return at::zeros({x_t.size(0), size()}, p.weights.options()).index_copy_(1, p.allowed, p.weights);
}

at::Tensor OracleNetwork::forward(const at::Tensor& x_t, double t, const at::Tensor& context,
                                  const CancelToken& cancel) {
  // Blocks of batch items, checking for a cancel in between: a large batch at
  // 128×128 takes seconds per call, and Esc must not wait for it. Each block
  // reads the whole set twice and that reading is most of its time (64×64,
  // 2 threads: 1 item 16 ms a step, 4 items 19 ms), so blocks of 16 cost
  // little more than blocks of 1 and still end within a fraction of a second.
  constexpr int64_t kItemsPerBlock = 16;
  if (context.dim() != 2 || context.size(0) != x_t.size(0)) {
    throw Error("oracle: the conditioning must be (batch, " + std::to_string(size()) + ")");
  }
  std::vector<at::Tensor> blocks;
  for (int64_t start = 0; start < x_t.size(0); start += kItemsPerBlock) {
    cancel.throw_if_cancelled();
    const int64_t n = std::min(kItemsPerBlock, x_t.size(0) - start);
    const Posterior p = posterior(x_t.narrow(0, start, n), t, context.narrow(0, start, n));
    blocks.push_back(at::mm(p.weights, p.images) + cached_mean_);
  }
  at::Tensor x0 = blocks.size() == 1 ? blocks.front() : at::cat(blocks, 0);
  std::vector<int64_t> out_shape = {x_t.size(0)};
  out_shape.insert(out_shape.end(), shape_.begin(), shape_.end());
  return x0.reshape(out_shape);
}

at::Tensor OracleNetwork::image(int64_t i) const {
  if (i < 0 || i >= size()) throw Error("oracle: image index out of range");
  return (images_[i] + mean_).reshape(shape_);
}

at::Tensor OracleNetwork::unconditional() const { return at::zeros({1, size()}); }

at::Tensor OracleNetwork::restricted_to(const std::vector<int64_t>& indices) const {
  if (indices.empty()) throw Error("oracle: the conditioning allows no image");
  at::Tensor prior = at::full({1, size()}, -std::numeric_limits<float>::infinity());
  for (int64_t i : indices) {
    if (i < 0 || i >= size()) throw Error("oracle: image index out of range");
    prior[0][i] = 0.0;
  }
  return prior;
}

}  // namespace diffscope
