#include "core/models/sdxl/sdxl_bundle.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "core/common/errors.h"
#include "core/models/sd/sd_checkpoint.h"
#include "core/text/prompt_chunks.h"

namespace diffscope {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kChunkLength = kChunkTokens + 2;

// float32 where the model computes in float16; otherwise the model's type
// (compute_note says so).
at::ScalarType vae_compute_type(at::ScalarType model) { return model == at::kHalf ? at::kFloat : model; }

}  // namespace

at::Tensor SdxlNetwork::forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken& cancel) {
  c10::InferenceMode guard;
  cancel.throw_if_cancelled();
  const int64_t batch = x_t.size(0);
  const at::Tensor packed = context.size(0) == batch ? context : context.expand({batch, -1, -1});
  const sdxl::Conditioning parts = sdxl::unpack_conditioning(packed, text_width_);
  const auto sizes = sizes_.values(x_t.size(2) * pixels_per_latent_, x_t.size(3) * pixels_per_latent_);
  return unet_.forward(x_t, t, parts.context, cancel, sdxl::vector_conditioning(parts.vector_text, sizes, refiner_),
                       image_);
}

SdxlBundle::~SdxlBundle() = default;

ModelInfo SdxlBundle::describe(const fs::path& path) {
  sd::WeightStore store(at::kFloat, c10::Device(c10::kCPU));
  const sdxl::SdxlCheckpoint checkpoint = sdxl::open_sdxl_checkpoint(path, store);
  return describe(checkpoint, sd::parameter_count(store), sd::size_multiple(store));
}

ModelInfo SdxlBundle::describe(const sdxl::SdxlCheckpoint& checkpoint, uint64_t parameters, int size_multiple) {
  ModelInfo info;
  info.kind = ModelKind::StableDiffusion;
  info.name = sd::model_name(checkpoint.path);
  info.family = checkpoint.refiner ? "SDXL refiner" : checkpoint.inpainting ? "SDXL inpainting" : "SDXL";
  info.align_your_steps = AlignYourStepsList::Sdxl;  // base and refiner alike
  info.prediction = checkpoint.prediction ? prediction_by_name(*checkpoint.prediction) : Prediction::Epsilon;
  info.prediction_source = checkpoint.prediction ? checkpoint.prediction_source : "SDXL default";
  info.text.encoder = checkpoint.refiner ? "OpenCLIP ViT-bigG/14" : "CLIP ViT-L/14 + OpenCLIP ViT-bigG/14";
  info.text.context_dim = checkpoint.context_dim;
  info.text.max_tokens = kChunkTokens;
  info.text.chunked = true;
  info.text.weighting_syntax = true;
  info.text.clip_skip = true;
  info.text.vector_dim = checkpoint.adm_channels;
  // Trained at about a megapixel (1024² and its aspect buckets); A1111's defaults.
  info.sizes = {size_multiple, 2048, size_multiple, 1024};
  info.default_cfg = 7.0;
  info.default_steps = 20;
  info.schedule = "scaled-linear" + std::string(checkpoint.zero_terminal_snr ? kZeroTerminalSnrSuffix : "");
  info.preview = PreviewMethod::LatentProjection;
  info.preview_note = "latent preview: approximate colours";
  info.options = {true, true, true, true, true, true};
  info.options.lora = !checkpoint.refiner;
  info.options.embeddings = true;
  info.options.word_maps = true;
  info.options.inpainting_model = checkpoint.inpainting;
  info.precisions = {true, true, true};
  info.memory = sd_memory_needs(parameters);
  if (!checkpoint.refiner) apply_few_step(info, checkpoint.few_step);
  return info;
}

ModelInfo SdxlBundle::info() const {
  ModelInfo info = describe(checkpoint_, parameters_, int(vae_->downsampling() * unet_->downsampling()));
  info.prediction = network_->prediction();
  info.prediction_source = prediction_source_;
  if (vae_compute_type(compute_type_) != compute_type_) {
    info.compute_note = "VAE in float32 (SDXL's overflows in float16)";
  }
  info.loras = loras_->applied();
  if (taesd_) {
    info.preview = PreviewMethod::PreviewDecoder;
    info.preview_note = "TAESDXL preview";
  }
  return info;
}

std::unique_ptr<SdxlBundle> SdxlBundle::load(const SdLoadOptions& options) {
  c10::InferenceMode guard;
  std::unique_ptr<SdxlBundle> bundle(new SdxlBundle());
  bundle->compute_type_ = options.compute_type;
  bundle->device_ = options.device;
  bundle->store_ = std::make_unique<sd::WeightStore>(options.compute_type, options.device);
  sd::WeightStore& store = *bundle->store_;
  bundle->checkpoint_ = sdxl::open_sdxl_checkpoint(options.checkpoint, store);
  const sdxl::SdxlCheckpoint& checkpoint = bundle->checkpoint_;
  bundle->parameters_ = sd::parameter_count(store);
  if (!options.vae.empty()) sd::open_vae_override(options.vae, store);

  // Both towers read OpenAI's CLIP vocabulary; only their padding differs.
  const auto tokenizer_path = find_clip_tokenizer(options.checkpoint, options.tokenizer, false);
  if (!tokenizer_path) throw Error(sd::tokenizer_missing_message(options.checkpoint, false));
  bundle->tokenizer_ = std::make_unique<ClipTokenizer>(ClipTokenizer::from_path(*tokenizer_path));

  const CancelToken cancel = options.cancel;
  store.set_progress([&](uint64_t done, uint64_t total) {
    cancel.throw_if_cancelled();
    if (options.progress) options.progress(done, total);
  });

  // LoRAs change the U-Net and the text towers in place: CLIP-L by Hugging
  // Face names, bigG by OpenCLIP's (Hugging Face's in a diffusers folder).
  const std::string clip_l_tower = "conditioner.embedders.0.transformer.";
  const std::string clip_g_tower = checkpoint.diffusers ? "conditioner.embedders.1.hf." : checkpoint.clip_g_prefix;
  store.keep_taken({sdxl::kUnetPrefix, clip_l_tower, clip_g_tower});

  // sgm: CLIP-L's hidden_states[11] and bigG's penultimate layer, neither
  // through its final norm; bigG's last layer, normed, gives the pooled text.
  if (!checkpoint.refiner) {
    sd::ClipOptions clip_l;
    clip_l.kind = sd::ClipKind::OpenAi;
    clip_l.prefix = sdxl::kClipLPrefix;
    clip_l.quick_gelu = true;
    clip_l.penultimate = true;
    clip_l.final_norm = false;
    bundle->clip_l_ = std::make_unique<sd::ClipTextEncoder>(store, clip_l);
  }
  sd::ClipOptions clip_g;
  clip_g.kind = checkpoint.diffusers ? sd::ClipKind::OpenAi : sd::ClipKind::OpenClip;
  clip_g.prefix = checkpoint.diffusers ? sdxl::kClipGHfPrefix : checkpoint.clip_g_prefix;
  if (checkpoint.diffusers) clip_g.projection_linear = sdxl::kClipGHfProjection;
  clip_g.quick_gelu = checkpoint.clip_g_quick_gelu;
  clip_g.penultimate = true;
  clip_g.final_norm = false;
  clip_g.projection = true;
  bundle->clip_g_ = std::make_unique<sd::ClipTextEncoder>(store, clip_g);
  bundle->embeddings_ =
      bundle->clip_l_
          ? std::make_unique<EmbeddingTable>(EmbeddingTowers::ClipLAndG,
                                             std::vector<int64_t>{bundle->clip_l_->width(), bundle->clip_g_->width()})
          : std::make_unique<EmbeddingTable>(EmbeddingTowers::ClipGOnly,
                                             std::vector<int64_t>{bundle->clip_g_->width()});
  for (const auto* tower : {bundle->clip_l_.get(), bundle->clip_g_.get()}) {
    if (tower != nullptr && tower->vocabulary_size() < static_cast<int64_t>(bundle->tokenizer_->vocabulary_size())) {
      throw Error("a text encoder knows " + std::to_string(tower->vocabulary_size()) + " tokens, the tokenizer at " +
                  tokenizer_path->string() + " has " + std::to_string(bundle->tokenizer_->vocabulary_size()) +
                  ": they do not belong together");
    }
  }

  sd::UnetOptions unet;
  unet.context_dim = checkpoint.context_dim;
  unet.linear_projection = checkpoint.linear_projection;
  unet.head_dim = 64;
  bundle->unet_ = std::make_unique<sd::SdUnet>(store, unet);
  if (bundle->unet_->adm_channels() != checkpoint.adm_channels) {
    throw Error(options.checkpoint.string() + ": the U-Net has no label embedding (model.diffusion_model.label_emb)");
  }
  // SDXL's VAE overflows in float16 (NaN, black images; the reason for
  // A1111's --no-half-vae): where the rest computes in float16, it does not.
  bundle->vae_ =
      std::make_unique<sd::SdVae>(store, sdxl::kVaePrefix, sdxl::kVaeScale, vae_compute_type(options.compute_type));

  if (const auto unused = store.unused(); !unused.empty()) {
    std::string list;
    for (size_t i = 0; i < unused.size() && i < 5; ++i) list += (i ? ", " : "") + unused[i];
    throw Error(options.checkpoint.string() + ": " + std::to_string(unused.size()) +
                " tensors are not part of an SDXL model: " + list + (unused.size() > 5 ? ", …" : "") +
                " (a merged, LoRA or unsupported file?)");
  }
  bundle->load_report_ = {store.taken_count(), store.skipped_count()};
  if (const auto taesd = sd::find_taesd(options.checkpoint, options.preview_decoder, true)) {
    // SDXL's latents overflow float16 as its VAE does: TAESDXL computes where the VAE does.
    bundle->taesd_ = sd::TaesdDecoder::load(*taesd, vae_compute_type(options.compute_type), options.device);
  }
  bundle->loras_ = std::make_unique<LoraMerger>(
      store, sdxl::kUnetPrefix,
      std::vector<LoraTextTower>{{LoraPart::TextEncoder, clip_l_tower, false},
                                 {LoraPart::TextEncoder2, clip_g_tower, !checkpoint.diffusers}},
      sd::model_name(options.checkpoint));
  store.set_progress({});
  if (options.device.is_cpu()) bundle->vae_->drop_encoder(store);  // img2img only: rebuilt when needed

  Prediction prediction = Prediction::Epsilon;
  bundle->prediction_source_ = "SDXL default";
  if (options.prediction) {
    prediction = *options.prediction;
    bundle->prediction_source_ = "setting";
  } else if (checkpoint.prediction) {
    prediction = prediction_by_name(*checkpoint.prediction);
    bundle->prediction_source_ = checkpoint.prediction_source;
  }
  if (checkpoint.zero_terminal_snr) bundle->schedule_ = bundle->schedule_.zero_terminal_snr();
  bundle->network_ = std::make_unique<SdxlNetwork>(*bundle->unet_, prediction, bundle->text_width(), checkpoint.refiner,
                                                   bundle->vae_->downsampling());
  bundle->empty_chunk_ = bundle->encode_prompt("").narrow(1, 0, kChunkLength);
  return bundle;
}

SdxlBundle::TowerIds SdxlBundle::tower_ids(const std::vector<std::vector<int32_t>>& chunks, int32_t end_id) {
  TowerIds ids;
  std::vector<int64_t> clip_l, clip_g;
  for (const auto& chunk : chunks) {
    const auto end = std::find(chunk.begin(), chunk.end(), end_id);
    if (end == chunk.end()) throw Error("a token chunk without its end token");
    const int64_t eos = end - chunk.begin();
    ids.eos.push_back(eos);
    for (size_t i = 0; i < chunk.size(); ++i) {
      clip_l.push_back(chunk[i]);
      clip_g.push_back(static_cast<int64_t>(i) > eos ? 0 : chunk[i]);
    }
  }
  const int64_t rows = static_cast<int64_t>(chunks.size()), length = rows ? clip_l.size() / rows : 0;
  ids.clip_l = at::tensor(clip_l, at::kLong).view({rows, length});
  ids.clip_g = at::tensor(clip_g, at::kLong).view({rows, length});
  return ids;
}

// Both text encoders read the same tokens: one place per token in the context.
std::vector<PromptWord> SdxlBundle::prompt_words(const std::string& prompt) const {
  return clip_prompt_words(chunk_prompt(prompt, *tokenizer_, chunk_options()), *tokenizer_, embeddings_->names());
}

ChunkOptions SdxlBundle::chunk_options() const {
  ChunkOptions chunking;
  chunking.embeddings = embeddings_->tokens();
  return chunking;
}

void SdxlBundle::set_embeddings(const EmbeddingScan& scan) { embeddings_->set(scan, *tokenizer_); }

at::Tensor SdxlBundle::encode_prompt(const std::string& prompt) { return encode(prompt, kRefinerPromptAesthetic); }

at::Tensor SdxlBundle::encode(const std::string& prompt, double aesthetic_score) {
  c10::InferenceMode guard;
  const std::vector<TokenChunk> chunks = chunk_prompt(prompt, *tokenizer_, chunk_options());
  check_chunk_count(chunks.size());
  std::vector<std::vector<int32_t>> id_rows;
  std::vector<float> weight_values;
  for (const TokenChunk& chunk : chunks) {
    id_rows.push_back(chunk.ids);
    weight_values.insert(weight_values.end(), chunk.weights.begin(), chunk.weights.end());
  }
  const TowerIds ids = tower_ids(id_rows, tokenizer_->end_id());
  const int64_t n = ids.clip_g.size(0), length = ids.clip_g.size(1);
  const size_t g_tower = clip_l_ ? 1 : 0;  // the embedding table's tower index
  sd::ClipOutput g =
      clip_g_->forward_pooled(ids.clip_g.to(device_), ids.eos, clip_skip_, embeddings_->vectors_for(chunks, g_tower));
  std::vector<at::Tensor> towers;
  if (clip_l_) {
    towers.push_back(
        clip_l_->forward(ids.clip_l.to(device_), clip_skip_, embeddings_->vectors_for(chunks, 0)).to(at::kFloat));
  }
  towers.push_back(g.hidden.to(at::kFloat));
  // A1111 weights each tower on its own (each is a hijacked embedder); the
  // pooled text comes from the first chunk, before any weighting.
  if (std::any_of(weight_values.begin(), weight_values.end(), [](float w) { return w != 1.0f; })) {
    const at::Tensor weights = at::tensor(weight_values, at::kFloat).view({n, length});
    for (at::Tensor& z : towers) z = sd::apply_emphasis(z, weights);
  }
  const at::Tensor context = at::cat(towers, 2).reshape({1, n * length, checkpoint_.context_dim});
  at::Tensor vector_text = g.pooled.narrow(0, 0, 1).to(at::kFloat);
  if (checkpoint_.refiner) vector_text = at::cat({vector_text, at::full({1, 1}, aesthetic_score, at::kFloat)}, 1);
  return sdxl::pack_conditioning(context, vector_text);
}

at::Tensor SdxlBundle::encode_negative_prompt(const std::string& prompt) {
  if (!prompt.empty()) return encode(prompt, kRefinerNegativeAesthetic);
  // sgm zeroes the text embedders' outputs (tokens and pooled); the
  // refiner's aesthetic score is not a text embedder's and stays.
  at::Tensor context = at::zeros({1, kChunkLength, checkpoint_.context_dim}, at::kFloat);
  at::Tensor vector_text = at::zeros({1, text_width()}, at::kFloat);
  if (checkpoint_.refiner) vector_text[0][text_width() - 1] = kRefinerNegativeAesthetic;
  return sdxl::pack_conditioning(context, vector_text);
}

void SdxlBundle::set_clip_skip(int clip_skip) {
  if (clip_skip == clip_skip_) return;
  const int previous = clip_skip_;
  clip_skip_ = clip_skip;
  try {
    empty_chunk_ = encode_prompt("").narrow(1, 0, kChunkLength);
  } catch (...) {
    clip_skip_ = previous;  // more layers than a text encoder has: keep the old setting
    throw;
  }
}

void SdxlBundle::set_loras(const std::vector<LoraUse>& loras, const CancelToken& cancel) {
  c10::InferenceMode guard;
  bool changed = false;
  try {
    changed = loras_->apply(loras, cancel);
  } catch (...) {
    empty_chunk_ = encode_prompt("").narrow(1, 0, kChunkLength);  // the weights are the checkpoint's again
    throw;
  }
  if (changed && loras_->text_changed()) empty_chunk_ = encode_prompt("").narrow(1, 0, kChunkLength);
}

at::Tensor SdxlBundle::pad_conditioning(const at::Tensor& conditioning, int64_t tokens) {
  const int64_t have = conditioning.size(1);
  if (have > tokens || (tokens - have) % kChunkLength != 0) {
    throw Error("conditioning of " + std::to_string(have) + " rows cannot be padded to " + std::to_string(tokens));
  }
  if (have == tokens) return conditioning;
  // Empty chunks go between the token rows and the vector rows.
  const int64_t vector_rows = sdxl::packed_rows(text_width(), checkpoint_.context_dim);
  std::vector<at::Tensor> parts = {conditioning.narrow(1, 0, have - vector_rows)};
  const at::Tensor empty = empty_chunk_.to(conditioning.device()).expand({conditioning.size(0), -1, -1});
  for (int64_t rows = have; rows < tokens; rows += kChunkLength) parts.push_back(empty);
  parts.push_back(conditioning.narrow(1, have - vector_rows, vector_rows));
  return at::cat(parts, 1);
}

std::vector<int64_t> SdxlBundle::latent_shape(int width, int height) const {
  const int64_t multiple = vae_->downsampling() * unet_->downsampling();
  if (width < multiple || height < multiple || width % multiple != 0 || height % multiple != 0) {
    throw Error("SDXL needs width and height in multiples of " + std::to_string(multiple) + " pixels; " +
                std::to_string(width) + "×" + std::to_string(height) + " was asked for");
  }
  return {vae_->latent_channels(), height / vae_->downsampling(), width / vae_->downsampling()};
}

at::Tensor SdxlBundle::decode(const at::Tensor& latents) {
  c10::InferenceMode guard;
  return vae_->decode_each(latents);
}

at::Tensor SdxlBundle::encode_image(const at::Tensor& images) {
  c10::InferenceMode guard;
  return vae_->encode_each(images, *store_);
}

at::Tensor sdxl_latent_rgb_preview(const at::Tensor& latents) {
  // A1111's sd_vae_approx.cheap_approximation factors for the SDXL VAE.
  static const float kFactors[4][3] = {{0.3448f, 0.4168f, 0.4395f},
                                       {-0.1953f, -0.0290f, 0.0250f},
                                       {0.1074f, 0.0886f, -0.0163f},
                                       {-0.3730f, -0.2499f, -0.2088f}};
  at::Tensor factors = at::from_blob(const_cast<float*>(&kFactors[0][0]), {4, 3}, at::kFloat).to(latents.device());
  return at::einsum("bchw,cr->brhw", {latents.to(at::kFloat), factors}).clamp(-1.0, 1.0);
}

at::Tensor SdxlBundle::preview(const at::Tensor& latents) {
  if (taesd_) return taesd_->preview(latents);
  const int64_t scale = vae_->downsampling();
  return at::upsample_bilinear2d(sdxl_latent_rgb_preview(latents), {latents.size(2) * scale, latents.size(3) * scale},
                                 false);
}

}  // namespace diffscope
