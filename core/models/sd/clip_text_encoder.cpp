#include "core/models/sd/clip_text_encoder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <limits>

#include "core/common/errors.h"

namespace diffscope::sd {
namespace {

constexpr int64_t kHeadWidth = 64;  // both towers

// OpenCLIP's fused in_proj (3·W, W) split into q, k, v.
void load_fused(WeightStore& store, const std::string& p, int64_t width, Linear& q, Linear& k, Linear& v) {
  at::Tensor weight = store.take(p + ".in_proj_weight", {3 * width, width});
  at::Tensor bias = store.take(p + ".in_proj_bias", {3 * width});
  auto w = weight.chunk(3, 0), b = bias.chunk(3, 0);
  q = Linear{w[0], b[0]}, k = Linear{w[1], b[1]}, v = Linear{w[2], b[2]};
}

}  // namespace

ClipTextEncoder::ClipTextEncoder(WeightStore& store, const ClipOptions& options) : options_(options) {
  const std::string& p = options.prefix;
  const bool open_clip = options.kind == ClipKind::OpenClip;
  const std::string token_name = p + (open_clip ? "token_embedding.weight" : "embeddings.token_embedding.weight");
  const std::string position_name = p + (open_clip ? "positional_embedding" : "embeddings.position_embedding.weight");
  const auto token_shape = store.shape(token_name);
  if (token_shape.size() != 2) throw Error("tensor '" + token_name + "' is not an embedding table");
  width_ = token_shape[1];
  heads_ = width_ / kHeadWidth;
  context_length_ = store.shape(position_name).at(0);
  // 49,408 rows of which a prompt reads a few dozen: left in the file's type.
  token_embedding_ = store.take_stored(token_name, token_shape);
  position_embedding_ = store.take(position_name, {context_length_, width_});
  if (!open_clip) store.skip(p + "embeddings.position_ids");

  const std::string layer_group = p + (open_clip ? "transformer.resblocks." : "encoder.layers.");
  const std::string first_norm = open_clip ? ".ln_1.weight" : ".layer_norm1.weight";
  for (int i = 0; store.has(layer_group + std::to_string(i) + first_norm); ++i) {
    const std::string l = layer_group + std::to_string(i);
    Layer layer;
    if (open_clip) {
      layer.norm1 = LayerNorm::load(store, l + ".ln_1", width_);
      load_fused(store, l + ".attn", width_, layer.q, layer.k, layer.v);
      layer.out = Linear::load(store, l + ".attn.out_proj", width_, width_);
      layer.norm2 = LayerNorm::load(store, l + ".ln_2", width_);
      const int64_t mlp = store.shape(l + ".mlp.c_fc.weight").at(0);
      layer.fc1 = Linear::load(store, l + ".mlp.c_fc", width_, mlp);
      layer.fc2 = Linear::load(store, l + ".mlp.c_proj", mlp, width_);
    } else {
      layer.norm1 = LayerNorm::load(store, l + ".layer_norm1", width_);
      layer.q = Linear::load(store, l + ".self_attn.q_proj", width_, width_);
      layer.k = Linear::load(store, l + ".self_attn.k_proj", width_, width_);
      layer.v = Linear::load(store, l + ".self_attn.v_proj", width_, width_);
      layer.out = Linear::load(store, l + ".self_attn.out_proj", width_, width_);
      layer.norm2 = LayerNorm::load(store, l + ".layer_norm2", width_);
      const int64_t mlp = store.shape(l + ".mlp.fc1.weight").at(0);
      layer.fc1 = Linear::load(store, l + ".mlp.fc1", width_, mlp);
      layer.fc2 = Linear::load(store, l + ".mlp.fc2", mlp, width_);
    }
    layers_.push_back(std::move(layer));
  }
  if (layers_.size() < 2)
    throw Error("the text encoder has " + std::to_string(layers_.size()) + " layers (" + layer_group + "*)");
  final_norm_ = LayerNorm::load(store, p + (open_clip ? "ln_final" : "final_layer_norm"), width_);
  if (open_clip) {
    if (options.projection) {
      const auto shape = store.shape(p + "text_projection");
      if (shape.size() != 2 || shape[0] != width_) {
        throw Error("tensor '" + p + "text_projection' has shape " + shape_text(shape) + ", expected [" +
                    std::to_string(width_) + ", N]");
      }
      text_projection_ = store.take(p + "text_projection", shape);
    } else {
      store.skip(p + "text_projection");  // the image-text contrastive head; SD 2.x never uses it
    }
    store.skip(p + "logit_scale");
  } else if (options.projection) {
    if (options.projection_linear.empty()) throw Error("the pooled embedding needs a text_projection (" + p + ")");
    const auto shape = store.shape(options.projection_linear);
    if (shape.size() != 2 || shape[1] != width_) {
      throw Error("tensor '" + options.projection_linear + "' has shape " + shape_text(shape) + ", expected [N, " +
                  std::to_string(width_) + "]");
    }
    text_projection_ = store.take(options.projection_linear, shape).t();  // a Linear weight holds Pᵀ
  }
}

at::Tensor ClipTextEncoder::embed(const at::Tensor& ids, const std::vector<TokenVectors>& replaced) const {
  if (ids.dim() != 2 || ids.size(1) > context_length_) {
    throw Error("the text encoder reads up to " + std::to_string(context_length_) + " tokens per chunk");
  }
  const auto type = position_embedding_.scalar_type();
  at::Tensor tokens = at::embedding(token_embedding_, ids.to(token_embedding_.device())).to(type);
  for (const TokenVectors& r : replaced) {
    const int64_t n = r.vectors.dim() == 2 ? r.vectors.size(0) : 0;
    if (n == 0 || r.vectors.size(1) != width_ || r.row < 0 || r.row >= ids.size(0) || r.position < 0 ||
        r.position + n > ids.size(1)) {
      throw Error("embedding vectors of shape " + shape_text(r.vectors.sizes().vec()) + " do not fit at chunk " +
                  std::to_string(r.row) + ", token " + std::to_string(r.position) + " of a text encoder " +
                  std::to_string(width_) + " wide");
    }
    tokens[r.row].narrow(0, r.position, n).copy_(r.vectors);
  }
  return tokens + position_embedding_.slice(0, 0, ids.size(1));
}

at::Tensor ClipTextEncoder::run_layer(const Layer& layer, const at::Tensor& x, const at::Tensor& mask) const {
  at::Tensor h = layer.norm1(x);
  at::Tensor attended = attention(split_heads(layer.q(h), heads_), split_heads(layer.k(h), heads_),
                                  split_heads(layer.v(h), heads_), mask);
  at::Tensor out = x + layer.out(merge_heads(attended));
  h = layer.fc1(layer.norm2(out));
  h = options_.quick_gelu ? h * at::sigmoid(h * 1.702) : at::gelu(h);  // quick-GELU vs exact GELU
  return out + layer.fc2(h);
}

int ClipTextEncoder::layers_to_run(int clip_skip) const {
  const int base_skip = options_.penultimate ? 1 : 0;
  const int run = static_cast<int>(layers_.size()) - base_skip - (std::max(clip_skip, 1) - 1);
  if (run < 1) throw Error("Clip skip " + std::to_string(clip_skip) + " is more than the text encoder's layers");
  return run;
}

at::Tensor ClipTextEncoder::forward(const at::Tensor& ids, int clip_skip,
                                    const std::vector<TokenVectors>& replaced) const {
  const int run = layers_to_run(clip_skip);
  at::Tensor x = embed(ids, replaced);
  const int64_t n = ids.size(1);
  const at::Tensor mask = at::full({n, n}, -std::numeric_limits<float>::infinity(), x.options()).triu_(1);
  for (int i = 0; i < run; ++i) x = run_layer(layers_[i], x, mask);
  return options_.final_norm ? final_norm_(x) : x;
}

ClipOutput ClipTextEncoder::forward_pooled(const at::Tensor& ids, const std::vector<int64_t>& eos, int clip_skip,
                                           const std::vector<TokenVectors>& replaced) const {
  if (!text_projection_.defined()) throw Error("this text encoder has no pooled embedding");
  if (static_cast<int64_t>(eos.size()) != ids.size(0)) throw Error("one end-token position per row is needed");
  const int run = layers_to_run(clip_skip);
  at::Tensor x = embed(ids, replaced);
  const int64_t n = ids.size(1);
  const at::Tensor mask = at::full({n, n}, -std::numeric_limits<float>::infinity(), x.options()).triu_(1);
  ClipOutput output;
  for (int i = 0; i < static_cast<int>(layers_.size()); ++i) {
    x = run_layer(layers_[i], x, mask);
    if (i + 1 == run) output.hidden = options_.final_norm ? final_norm_(x) : x;
  }
  std::vector<at::Tensor> rows;
  for (size_t i = 0; i < eos.size(); ++i) {
    if (eos[i] < 0 || eos[i] >= n) throw Error("end-token position outside the chunk");
    rows.push_back(x[static_cast<int64_t>(i)][eos[i]]);
  }
  // open_clip and sgm: pooled = h·P (diffusers stores Pᵀ as a Linear weight: the same).
  output.pooled = at::matmul(final_norm_(at::stack(rows)), text_projection_);
  return output;
}

at::Tensor apply_emphasis(const at::Tensor& z, const at::Tensor& weights) {
  const at::Tensor mean_before = z.mean({1, 2}, true);
  at::Tensor weighted = z * weights.to(z.device(), z.scalar_type()).unsqueeze(-1);
  return weighted * (mean_before / weighted.mean({1, 2}, true));
}

}  // namespace diffscope::sd
