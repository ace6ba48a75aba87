#include "core/models/sd/sd_unet.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/common/errors.h"
#include "core/sampling/attention_probe.h"

namespace diffscope::sd {

at::Tensor timestep_embedding(const at::Tensor& timesteps, int64_t dim, double max_period) {
  const int64_t half = dim / 2;
  at::Tensor freqs = at::exp(at::arange(half, timesteps.options().dtype(at::kFloat)) * (-std::log(max_period) / half));
  at::Tensor args = timesteps.to(at::kFloat).unsqueeze(1) * freqs.unsqueeze(0);
  return at::cat({at::cos(args), at::sin(args)}, 1);
}

// in_layers: GroupNorm, SiLU, conv; emb_layers: SiLU, linear; out_layers:
// GroupNorm, SiLU, (dropout), conv; a 1×1 skip when the width changes.
struct SdUnet::ResBlock {
  GroupNorm norm1, norm2;
  Conv2d conv1, conv2;
  Linear emb;
  std::optional<Conv2d> skip;
  int64_t out = 0;

  ResBlock(WeightStore& store, const std::string& p, int64_t in, int64_t emb_dim) {
    out = store.shape(p + ".in_layers.2.weight").at(0);
    norm1 = GroupNorm::load(store, p + ".in_layers.0", in, 1e-5);
    conv1 = Conv2d::load(store, p + ".in_layers.2", in, out, 3);
    emb = Linear::load(store, p + ".emb_layers.1", emb_dim, out);
    norm2 = GroupNorm::load(store, p + ".out_layers.0", out, 1e-5);
    conv2 = Conv2d::load(store, p + ".out_layers.3", out, out, 3);
    if (in != out) skip = Conv2d::load(store, p + ".skip_connection", in, out, 1);
  }
  at::Tensor forward(const at::Tensor& x, const at::Tensor& emb_silu) const {
    at::Tensor h = conv1(at::silu(norm1(x)));
    h = h + emb(emb_silu).unsqueeze(-1).unsqueeze(-1);
    h = conv2(at::silu(norm2(h)));
    return (skip ? (*skip)(x) : x) + h;
  }
};

namespace {

struct CrossAttention {
  Linear to_q, to_k, to_v, to_out;
  int64_t heads = 8;
  bool upcast = false;

  CrossAttention(WeightStore& store, const std::string& p, int64_t width, int64_t context_width, int64_t heads_,
                 bool upcast_)
      : heads(heads_), upcast(upcast_) {
    to_q = Linear::load(store, p + ".to_q", width, width, false);
    to_k = Linear::load(store, p + ".to_k", context_width, width, false);
    to_v = Linear::load(store, p + ".to_v", context_width, width, false);
    to_out = Linear::load(store, p + ".to_out.0", width, width);
  }
  // map_height × map_width: the feature map x's tokens come from (word heat maps).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context, int64_t map_height = 0,
                     int64_t map_width = 0) const {
    const at::Tensor q = split_heads(to_q(x), heads), k = split_heads(to_k(context), heads);
    if (AttentionProbe* probe = active_attention_probe(); probe != nullptr && map_height > 0) {
      probe->add(q, k, map_height, map_width);
    }
    return to_out(merge_heads(attention(q, k, split_heads(to_v(context), heads), {}, upcast)));
  }
};

// Self-attention, cross-attention to the text, GEGLU feed-forward; pre-norm.
struct TransformerBlock {
  LayerNorm norm1, norm2, norm3;
  CrossAttention attn1, attn2;
  Linear ff_in, ff_out;

  TransformerBlock(WeightStore& store, const std::string& p, int64_t width, int64_t context_dim, int64_t heads,
                   bool upcast)
      : attn1(store, p + ".attn1", width, width, heads, upcast),
        attn2(store, p + ".attn2", width, context_dim, heads, upcast) {
    norm1 = LayerNorm::load(store, p + ".norm1", width);
    norm2 = LayerNorm::load(store, p + ".norm2", width);
    norm3 = LayerNorm::load(store, p + ".norm3", width);
    const int64_t inner = store.shape(p + ".ff.net.0.proj.weight").at(0) / 2;
    ff_in = Linear::load(store, p + ".ff.net.0.proj", width, 2 * inner);
    ff_out = Linear::load(store, p + ".ff.net.2", inner, width);
  }
  at::Tensor forward(at::Tensor x, const at::Tensor& context, int64_t map_height, int64_t map_width) const {
    at::Tensor h = norm1(x);
    x = x + attn1.forward(h, h);
    x = x + attn2.forward(norm2(x), context, map_height, map_width);
    auto parts = ff_in(norm3(x)).chunk(2, -1);
    return x + ff_out(parts[0] * at::gelu(parts[1]));
  }
};

}  // namespace

struct SdUnet::SpatialTransformer {
  GroupNorm norm;
  Linear proj_in, proj_out;  // 1×1 convs (SD 1.x) act on pixels as linear layers
  std::vector<TransformerBlock> blocks;

  SpatialTransformer(WeightStore& store, const std::string& p, int64_t channels, const UnetOptions& o) {
    norm = GroupNorm::load(store, p + ".norm", channels, 1e-6);
    proj_in = o.linear_projection ? Linear::load(store, p + ".proj_in", channels, channels)
                                  : Linear::load_pointwise(store, p + ".proj_in", channels, channels);
    const int64_t heads = o.head_dim > 0 ? channels / o.head_dim : o.heads;
    if (heads < 1 || channels % heads != 0) {
      throw Error(p + ": " + std::to_string(channels) + " channels do not split into attention heads");
    }
    for (int k = 0; store.has(p + ".transformer_blocks." + std::to_string(k) + ".norm1.weight"); ++k) {
      blocks.emplace_back(store, p + ".transformer_blocks." + std::to_string(k), channels, o.context_dim, heads,
                          o.upcast_attention);
    }
    if (blocks.empty()) throw Error("the checkpoint has no tensor '" + p + ".transformer_blocks.0.norm1.weight'");
    proj_out = o.linear_projection ? Linear::load(store, p + ".proj_out", channels, channels)
                                   : Linear::load_pointwise(store, p + ".proj_out", channels, channels);
  }
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context) const {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    at::Tensor tokens = proj_in(norm(x).permute({0, 2, 3, 1}).reshape({b, h * w, c}));
    for (const auto& block : blocks) tokens = block.forward(tokens, context, h, w);
    return x + proj_out(tokens).view({b, h, w, c}).permute({0, 3, 1, 2});
  }
};

struct SdUnet::Downsample {
  Conv2d conv;
  Downsample(WeightStore& store, const std::string& p, int64_t channels)
      : conv(Conv2d::load(store, p, channels, channels, 3, 2)) {}
  at::Tensor forward(const at::Tensor& x) const { return conv(x); }
};

struct SdUnet::Upsample {
  Conv2d conv;
  Upsample(WeightStore& store, const std::string& p, int64_t channels)
      : conv(Conv2d::load(store, p, channels, channels, 3)) {}
  at::Tensor forward(const at::Tensor& x) const {
    return conv(at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2}));
  }
};

namespace {
constexpr int64_t kLatentChannels = 4;  // what every U-Net here predicts
}  // namespace

int64_t unet_input_channels(const WeightStore& store, const std::string& prefix) {
  const std::string name = prefix + "input_blocks.0.0.weight";
  const auto shape = store.shape(name);
  if (shape.size() != 4) throw Error("tensor '" + name + "' is not a convolution");
  const int64_t channels = shape[1];
  if (channels == kLatentChannels || channels == kInpaintingInputChannels) return channels;
  const std::string kind = channels == 8   ? " (an InstructPix2Pix model?)"
                           : channels == 5 ? " (a depth-to-image model?)"
                                           : "";
  throw Error("this U-Net takes " + std::to_string(channels) + " input channels" + kind +
              "; DiffScope runs text-to-image models (4) and inpainting models (9)");
}

SdUnet::~SdUnet() = default;
SdUnet::SdUnet(SdUnet&&) noexcept = default;

SdUnet::SdUnet(WeightStore& store, const UnetOptions& options) : options_(options) {
  const std::string& p = options.prefix;
  in_channels_ = unet_input_channels(store, p);
  model_channels_ = store.shape(p + "input_blocks.0.0.weight")[0];
  const int64_t emb_dim = store.shape(p + "time_embed.0.weight").at(0);
  time_in_ = Linear::load(store, p + "time_embed.0", model_channels_, emb_dim);
  time_out_ = Linear::load(store, p + "time_embed.2", emb_dim, emb_dim);
  if (store.has(p + "label_emb.0.0.weight")) {
    adm_channels_ = store.shape(p + "label_emb.0.0.weight").at(1);
    label_in_ = Linear::load(store, p + "label_emb.0.0", adm_channels_, emb_dim);
    label_out_ = Linear::load(store, p + "label_emb.0.2", emb_dim, emb_dim);
  }
  conv_in_ = Conv2d::load(store, p + "input_blocks.0.0", in_channels_, model_channels_, 3);

  int64_t channels = model_channels_;
  std::vector<int64_t> skips = {channels};
  input_blocks_.emplace_back();  // block 0 is conv_in_
  auto input_block = [&](int n) { return p + "input_blocks." + std::to_string(n); };
  for (int n = 1; store.has(input_block(n) + ".0.op.weight") || store.has(input_block(n) + ".0.in_layers.0.weight");
       ++n) {
    const std::string b = p + "input_blocks." + std::to_string(n);
    Block block;
    if (store.has(b + ".0.op.weight")) {
      block.emplace_back(std::make_unique<Downsample>(store, b + ".0.op", channels));
      downsampling_ *= 2;
    } else {
      auto res = std::make_unique<ResBlock>(store, b + ".0", channels, emb_dim);
      channels = res->out;
      block.emplace_back(std::move(res));
      if (store.has(b + ".1.norm.weight"))
        block.emplace_back(std::make_unique<SpatialTransformer>(store, b + ".1", channels, options));
    }
    skips.push_back(channels);
    input_blocks_.push_back(std::move(block));
  }

  const std::string m = p + "middle_block";
  middle_.emplace_back(std::make_unique<ResBlock>(store, m + ".0", channels, emb_dim));
  middle_.emplace_back(std::make_unique<SpatialTransformer>(store, m + ".1", channels, options));
  middle_.emplace_back(std::make_unique<ResBlock>(store, m + ".2", channels, emb_dim));

  for (int n = 0; store.has(p + "output_blocks." + std::to_string(n) + ".0.in_layers.0.weight"); ++n) {
    const std::string b = p + "output_blocks." + std::to_string(n);
    if (skips.empty()) throw Error("the U-Net has more output blocks than skip connections (" + b + ")");
    Block block;
    auto res = std::make_unique<ResBlock>(store, b + ".0", channels + skips.back(), emb_dim);
    skips.pop_back();
    channels = res->out;
    block.emplace_back(std::move(res));
    int j = 1;
    if (store.has(b + ".1.norm.weight")) {
      block.emplace_back(std::make_unique<SpatialTransformer>(store, b + ".1", channels, options));
      ++j;
    }
    if (store.has(b + "." + std::to_string(j) + ".conv.weight")) {
      block.emplace_back(std::make_unique<Upsample>(store, b + "." + std::to_string(j) + ".conv", channels));
    }
    output_blocks_.push_back(std::move(block));
  }
  if (!skips.empty()) {
    throw Error("the U-Net's output blocks leave " + std::to_string(skips.size()) +
                " skip connections unused (missing output_blocks tensors?)");
  }
  out_norm_ = GroupNorm::load(store, p + "out.0", channels, 1e-5);
  conv_out_ = Conv2d::load(store, p + "out.2", channels, kLatentChannels, 3);  // an inpainting U-Net's too
}

at::Tensor SdUnet::run_block(const Block& block, at::Tensor h, const at::Tensor& emb, const at::Tensor& context) const {
  for (const Layer& layer : block) {
    if (auto* res = std::get_if<std::unique_ptr<ResBlock>>(&layer)) {
      h = (*res)->forward(h, emb);
    } else if (auto* attn = std::get_if<std::unique_ptr<SpatialTransformer>>(&layer)) {
      h = (*attn)->forward(h, context);
    } else if (auto* down = std::get_if<std::unique_ptr<Downsample>>(&layer)) {
      h = (*down)->forward(h);
    } else {
      h = std::get<std::unique_ptr<Upsample>>(layer)->forward(h);
    }
  }
  return h;
}

at::Tensor SdUnet::forward(const at::Tensor& x, double t, const at::Tensor& context, const CancelToken& cancel,
                           const at::Tensor& y, const at::Tensor& image) const {
  if (x.size(2) % downsampling_ != 0 || x.size(3) % downsampling_ != 0) {
    throw Error("the latent's sides must be multiples of " + std::to_string(downsampling_) + " (images of " +
                std::to_string(8 * downsampling_) + " pixels)");
  }
  const auto type = conv_in_.weight.scalar_type();
  at::Tensor timesteps = at::full({x.size(0)}, t, x.options().dtype(at::kFloat));
  at::Tensor emb = time_out_(at::silu(time_in_(timestep_embedding(timesteps, model_channels_).to(type))));
  if (adm_channels_ > 0) {
    if (!y.defined() || y.dim() != 2 || y.size(0) != x.size(0) || y.size(1) != adm_channels_) {
      throw Error("this U-Net needs a vector conditioning of " + std::to_string(adm_channels_) +
                  " values per image (SDXL's pooled text and size embeddings)");
    }
    emb = emb + label_out_(at::silu(label_in_(y.to(type))));
  } else if (y.defined()) {
    throw Error("this U-Net takes no vector conditioning (it has no label embedding)");
  }
  const at::Tensor emb_silu = at::silu(emb);
  const at::Tensor ctx = context.to(type);

  at::Tensor input = x.to(type);
  if (inpainting()) {
    if (!image.defined() || image.dim() != 4 || image.size(1) != kImageConditioningChannels ||
        image.size(2) != x.size(2) || image.size(3) != x.size(3) || x.size(0) % image.size(0) != 0) {
      throw Error("this inpainting U-Net needs the mask and the masked image's latent (" +
                  std::to_string(kImageConditioningChannels) + "×" + std::to_string(x.size(2)) + "×" +
                  std::to_string(x.size(3)) + ") beside x_t");
    }
    // One image conditioning serves every batch item (and both halves of a guided batch).
    input = at::cat({input, image.to(type).repeat({x.size(0) / image.size(0), 1, 1, 1})}, 1);
  } else if (image.defined()) {
    throw Error("this U-Net takes x_t alone (it is not an inpainting model)");
  }
  at::Tensor h = conv_in_(use_channels_last() ? input.contiguous(at::MemoryFormat::ChannelsLast) : input);
  std::vector<at::Tensor> skips = {h};
  for (size_t n = 1; n < input_blocks_.size(); ++n) {
    cancel.throw_if_cancelled();
    h = run_block(input_blocks_[n], h, emb_silu, ctx);
    skips.push_back(h);
  }
  cancel.throw_if_cancelled();
  h = run_block(middle_, h, emb_silu, ctx);
  for (const Block& block : output_blocks_) {
    cancel.throw_if_cancelled();
    h = run_block(block, at::cat({h, skips.back()}, 1), emb_silu, ctx);
    skips.pop_back();
  }
  return conv_out_(at::silu(out_norm_(h))).to(x.scalar_type()).contiguous();
}

}  // namespace diffscope::sd
