#include "core/models/sd/sd_bundle.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>

#include "core/common/errors.h"
#include "core/text/prompt_chunks.h"

namespace diffscope {
namespace {

namespace fs = std::filesystem;

// The schedule is the checkpoint's own when it carries alphas_cumprod.
NoiseSchedule checkpoint_schedule(sd::WeightStore& store, bool has_buffer) {
  if (!has_buffer) return NoiseSchedule::scaled_linear();
  at::Tensor buffer =
      store.take_float_cpu("alphas_cumprod", store.shape("alphas_cumprod")).to(at::kDouble).contiguous();
  if (buffer.dim() != 1 || buffer.size(0) < 2) throw Error("tensor 'alphas_cumprod' is not a list of noise levels");
  std::vector<double> values(buffer.data_ptr<double>(), buffer.data_ptr<double>() + buffer.numel());
  const NoiseSchedule standard = NoiseSchedule::scaled_linear(static_cast<int>(values.size()));
  double worst = 0;
  for (size_t t = 0; t < values.size(); ++t) worst = std::max(worst, std::abs(values[t] - standard.alpha_bar(int(t))));
  for (size_t t = 0; t < values.size(); ++t) {
    if (!(values[t] > 0 && values[t] < 1) || (t && values[t] >= values[t - 1])) {
      throw Error("tensor 'alphas_cumprod' is not a falling list in (0, 1) at t = " + std::to_string(t));
    }
  }
  // Same numbers as the standard schedule (to float32 precision): name it so.
  return NoiseSchedule::from_alphas_cumprod(std::move(values), worst < 1e-6 ? "scaled-linear" : "checkpoint");
}

// SD 2.x's one inpainting model (512-inpainting-ema) predicts ε; A1111 picks
// its config by the 9 input channels, without the v-prediction test.
constexpr const char* kSd2InpaintingPrediction = "SD 2.x inpainting default";

}  // namespace

ModelInfo SdBundle::describe(const fs::path& path) {
  sd::WeightStore store(at::kFloat, c10::Device(c10::kCPU));
  const sd::CheckpointInfo checkpoint = sd::open_checkpoint(path, store);
  return describe(checkpoint, sd::parameter_count(store), sd::size_multiple(store));
}

ModelInfo SdBundle::describe(const sd::CheckpointInfo& checkpoint, uint64_t parameters, int size_multiple) {
  const bool sd2 = checkpoint.family == sd::Family::Sd2;
  ModelInfo info;
  info.kind = ModelKind::StableDiffusion;
  info.name = sd::model_name(checkpoint.path);
  info.family = sd::family_name(checkpoint.family) + (checkpoint.inpainting ? " inpainting" : "");
  if (checkpoint.prediction) {
    info.prediction = prediction_by_name(*checkpoint.prediction);
    info.prediction_source = "scheduler_config.json";
  } else if (!sd2) {
    info.prediction_source = "SD 1.x default";
  } else if (checkpoint.inpainting) {
    info.prediction_source = kSd2InpaintingPrediction;
  } else {
    // SD 2.x 512-base and 768-v look alike: A1111's test decides on loading.
    info.prediction_known = false;
    info.prediction_source = "test forward pass";
  }
  info.text.encoder = sd2 ? "OpenCLIP ViT-H/14" : "CLIP ViT-L/14";
  info.text.context_dim = checkpoint.context_dim;
  info.text.max_tokens = 75;
  info.text.chunked = true;
  info.text.weighting_syntax = true;
  info.text.clip_skip = true;
  // Multiples of the VAE's and U-Net's downsampling; A1111's 512 by default.
  info.sizes = {size_multiple, 2048, size_multiple, 512};
  info.default_cfg = 7.0;  // A1111's default
  info.default_steps = 20;
  info.schedule = "scaled-linear";  // or the checkpoint's own buffer, read when it loads
  info.preview = PreviewMethod::LatentProjection;
  info.preview_note = "latent preview: approximate colours";
  info.options = {true, true, true, true};
  info.options.lora = true;
  info.options.embeddings = true;
  info.options.word_maps = true;
  info.precisions = {true, true, true};
  info.memory = sd_memory_needs(parameters);
  info.options.inpainting_model = checkpoint.inpainting;
  apply_few_step(info, checkpoint.few_step);
  return info;
}

ModelInfo SdBundle::info() const {
  ModelInfo info = describe(info_, parameters_, int(vae_->downsampling() * unet_->downsampling()));
  info.prediction = network_->prediction();
  info.prediction_source = prediction_source_;
  info.prediction_known = true;
  info.schedule = schedule_.name();
  info.loras = loras_->applied();
  if (taesd_) {
    info.preview = PreviewMethod::PreviewDecoder;
    info.preview_note = "TAESD preview";
  }
  return info;
}

at::Tensor SdNetwork::forward(const at::Tensor& x_t, double t, const at::Tensor& context, const CancelToken& cancel) {
  c10::InferenceMode guard;
  cancel.throw_if_cancelled();
  const at::Tensor expanded = context.size(0) == x_t.size(0) ? context : context.expand({x_t.size(0), -1, -1});
  return unet_.forward(x_t, t, expanded, cancel, {}, image_);
}

SdBundle::~SdBundle() = default;

bool SdBundle::looks_like_v_prediction(const sd::SdUnet& unet, int64_t context_dim, const c10::Device& device,
                                       at::ScalarType type) {
  c10::InferenceMode guard;
  const auto options = at::TensorOptions().device(device).dtype(at::kFloat);
  at::Tensor x = at::full({1, 4, 8, 8}, 0.5, options);
  at::Tensor context = at::full({1, 77, context_dim}, 0.5, options.dtype(type));
  const double mean = (unet.forward(x, 999.0, context, {}) - x).mean().item<double>();
  return mean < -1.0;
}

std::unique_ptr<SdBundle> SdBundle::load(const SdLoadOptions& options) {
  c10::InferenceMode guard;
  std::unique_ptr<SdBundle> bundle(new SdBundle());
  bundle->compute_type_ = options.compute_type;
  bundle->device_ = options.device;
  bundle->store_ = std::make_unique<sd::WeightStore>(options.compute_type, options.device);
  sd::WeightStore& store = *bundle->store_;
  bundle->info_ = sd::open_checkpoint(options.checkpoint, store);
  const sd::CheckpointInfo& info = bundle->info_;
  bundle->parameters_ = sd::parameter_count(store);
  if (!options.vae.empty()) sd::open_vae_override(options.vae, store);

  const auto tokenizer_path =
      find_clip_tokenizer(options.checkpoint, options.tokenizer, info.family == sd::Family::Sd2);
  if (!tokenizer_path) throw Error(sd::tokenizer_missing_message(options.checkpoint, info.family == sd::Family::Sd2));
  bundle->tokenizer_ = std::make_unique<ClipTokenizer>(ClipTokenizer::from_path(*tokenizer_path));

  const CancelToken cancel = options.cancel;
  store.set_progress([&](uint64_t done, uint64_t total) {
    cancel.throw_if_cancelled();
    if (options.progress) options.progress(done, total);
  });

  // LoRAs change the U-Net and the text encoder in place.
  const std::string text_tower = info.open_clip ? "cond_stage_model.model." : "cond_stage_model.transformer.";
  store.keep_taken({"model.diffusion_model.", text_tower});
  sd::ClipOptions clip;
  clip.kind = info.open_clip ? sd::ClipKind::OpenClip : sd::ClipKind::OpenAi;
  clip.prefix = info.open_clip ? "cond_stage_model.model." : "cond_stage_model.transformer.text_model.";
  clip.quick_gelu = info.text_quick_gelu;
  clip.penultimate = info.text_penultimate;
  bundle->text_encoder_ = std::make_unique<sd::ClipTextEncoder>(store, clip);
  bundle->embeddings_ =
      std::make_unique<EmbeddingTable>(EmbeddingTowers::One, std::vector<int64_t>{bundle->text_encoder_->width()});
  if (bundle->text_encoder_->vocabulary_size() < static_cast<int64_t>(bundle->tokenizer_->vocabulary_size())) {
    throw Error("the text encoder knows " + std::to_string(bundle->text_encoder_->vocabulary_size()) +
                " tokens, the tokenizer at " + tokenizer_path->string() + " has " +
                std::to_string(bundle->tokenizer_->vocabulary_size()) + ": they do not belong together");
  }
  if (bundle->text_encoder_->width() != info.context_dim) {
    throw Error("the text encoder is " + std::to_string(bundle->text_encoder_->width()) +
                " wide, the U-Net attends to " + std::to_string(info.context_dim));
  }

  sd::UnetOptions unet;
  unet.context_dim = info.context_dim;
  unet.linear_projection = info.linear_projection;
  if (info.family == sd::Family::Sd2) unet.head_dim = 64;
  unet.upcast_attention = info.family == sd::Family::Sd2 && options.compute_type == at::kHalf;
  bundle->unet_ = std::make_unique<sd::SdUnet>(store, unet);
  bundle->vae_ = std::make_unique<sd::SdVae>(store, "first_stage_model.");
  bundle->schedule_ = checkpoint_schedule(store, info.has_schedule);

  if (const auto unused = store.unused(); !unused.empty()) {
    std::string list;
    for (size_t i = 0; i < unused.size() && i < 5; ++i) list += (i ? ", " : "") + unused[i];
    throw Error(options.checkpoint.string() + ": " + std::to_string(unused.size()) + " tensors are not part of an SD " +
                (info.family == sd::Family::Sd1 ? "1.x" : "2.x") + " model: " + list +
                (unused.size() > 5 ? ", …" : "") + " (a merged, LoRA or unsupported file?)");
  }

  bundle->load_report_ = {store.taken_count(), store.skipped_count()};
  if (const auto taesd = sd::find_taesd(options.checkpoint, options.preview_decoder, false)) {
    bundle->taesd_ = sd::TaesdDecoder::load(*taesd, options.compute_type, options.device);
  }
  bundle->loras_ = std::make_unique<LoraMerger>(
      store, "model.diffusion_model.", std::vector<LoraTextTower>{{LoraPart::TextEncoder, text_tower, info.open_clip}},
      sd::model_name(options.checkpoint));
  store.set_progress({});
  if (options.device.is_cpu()) bundle->vae_->drop_encoder(store);  // img2img only: rebuilt when needed

  Prediction prediction = Prediction::Epsilon;
  if (options.prediction) {
    prediction = *options.prediction;
    bundle->prediction_source_ = "setting";
  } else if (info.prediction) {
    prediction = prediction_by_name(*info.prediction);
    bundle->prediction_source_ = "scheduler_config.json";
  } else if (info.family == sd::Family::Sd1) {
    bundle->prediction_source_ = "SD 1.x default";
  } else if (info.inpainting) {
    bundle->prediction_source_ = kSd2InpaintingPrediction;
  } else {
    prediction = looks_like_v_prediction(*bundle->unet_, info.context_dim, options.device, options.compute_type)
                     ? Prediction::V
                     : Prediction::Epsilon;
    bundle->prediction_source_ = "test forward pass";
  }
  bundle->network_ = std::make_unique<SdNetwork>(*bundle->unet_, prediction);
  bundle->empty_chunk_ = bundle->encode_prompt("");
  return bundle;
}

ChunkOptions SdBundle::chunk_options() const {
  ChunkOptions chunking;
  if (info_.family == sd::Family::Sd2) chunking.pad_id = 0;
  chunking.embeddings = embeddings_->tokens();
  return chunking;
}

at::Tensor SdBundle::encode_prompt(const std::string& prompt) {
  c10::InferenceMode guard;
  const std::vector<TokenChunk> chunks = chunk_prompt(prompt, *tokenizer_, chunk_options());
  check_chunk_count(chunks.size());
  const int64_t n = static_cast<int64_t>(chunks.size()), length = static_cast<int64_t>(chunks.front().ids.size());
  std::vector<int64_t> id_values;
  std::vector<float> weight_values;
  for (const TokenChunk& chunk : chunks) {
    id_values.insert(id_values.end(), chunk.ids.begin(), chunk.ids.end());
    weight_values.insert(weight_values.end(), chunk.weights.begin(), chunk.weights.end());
  }
  const bool weighted = std::any_of(weight_values.begin(), weight_values.end(), [](float w) { return w != 1.0f; });
  const at::Tensor ids = at::tensor(id_values, at::kLong).view({n, length});
  const at::Tensor weights = at::tensor(weight_values, at::kFloat).view({n, length});
  at::Tensor z =
      text_encoder_->forward(ids.to(device_), clip_skip_, embeddings_->vectors_for(chunks, 0)).to(at::kFloat);
  if (weighted) z = sd::apply_emphasis(z, weights);
  return z.reshape({1, n * length, z.size(2)});
}

std::vector<PromptWord> SdBundle::prompt_words(const std::string& prompt) const {
  return clip_prompt_words(chunk_prompt(prompt, *tokenizer_, chunk_options()), *tokenizer_, embeddings_->names());
}

void SdBundle::set_embeddings(const EmbeddingScan& scan) { embeddings_->set(scan, *tokenizer_); }

void SdBundle::set_clip_skip(int clip_skip) {
  if (clip_skip == clip_skip_) return;
  const int previous = clip_skip_;
  clip_skip_ = clip_skip;
  try {
    empty_chunk_ = encode_prompt("");
  } catch (...) {
    clip_skip_ = previous;  // more layers than the text encoder has: keep the old setting
    throw;
  }
}

void SdBundle::set_loras(const std::vector<LoraUse>& loras, const CancelToken& cancel) {
  c10::InferenceMode guard;
  bool changed = false;
  try {
    changed = loras_->apply(loras, cancel);
  } catch (...) {
    empty_chunk_ = encode_prompt("");  // the weights are the checkpoint's again
    throw;
  }
  if (changed && loras_->text_changed()) empty_chunk_ = encode_prompt("");
}

at::Tensor SdBundle::pad_conditioning(const at::Tensor& conditioning, int64_t tokens) {
  const int64_t chunk = empty_chunk_.size(1);
  if (conditioning.size(1) > tokens || (tokens - conditioning.size(1)) % chunk != 0) {
    throw Error("conditioning of " + std::to_string(conditioning.size(1)) + " tokens cannot be padded to " +
                std::to_string(tokens));
  }
  std::vector<at::Tensor> parts = {conditioning};
  for (int64_t have = conditioning.size(1); have < tokens; have += chunk) {
    parts.push_back(empty_chunk_.to(conditioning.device()).expand({conditioning.size(0), -1, -1}));
  }
  return at::cat(parts, 1);
}

std::vector<int64_t> SdBundle::latent_shape(int width, int height) const {
  const int64_t multiple = vae_->downsampling() * unet_->downsampling();
  if (width < multiple || height < multiple || width % multiple != 0 || height % multiple != 0) {
    throw Error("Stable Diffusion needs width and height in multiples of " + std::to_string(multiple) + " pixels; " +
                std::to_string(width) + "×" + std::to_string(height) + " was asked for");
  }
  return {vae_->latent_channels(), height / vae_->downsampling(), width / vae_->downsampling()};
}

at::Tensor SdBundle::decode(const at::Tensor& latents) {
  c10::InferenceMode guard;
  return vae_->decode_each(latents);
}

at::Tensor SdBundle::encode_image(const at::Tensor& images) {
  c10::InferenceMode guard;
  return vae_->encode_each(images, *store_);
}

MemoryNeeds sd_memory_needs(uint64_t parameters) {
  MemoryNeeds needs;
  needs.parameters = parameters;
  // The U-Net's activations at the latent size (~80 live maps of 320
  // channels at its first level, plus one 256 MB attention slice) or, larger
  // at big sizes, the VAE decoder's (~6 maps of 128 channels at full size,
  // one image at a time); per step the app keeps two float32 latents and
  // three small RGBA previews per image.
  needs.activation_elements_per_item_pixel = 320.0 * 80.0 / 64.0;
  needs.activation_fixed_bytes = uint64_t(256) << 20;
  needs.decoder_elements_per_pixel = 128.0 * 6.0;
  needs.history_bytes_per_item_pixel = (2.0 * 4 * 4 + 3.0 * 4 * 64) / 64.0;
  return needs;
}

at::Tensor latent_rgb_preview(const at::Tensor& latents) {
  // A1111's sd_vae_approx.cheap_approximation factors for the SD 1.x/2.x VAE.
  static const float kFactors[4][3] = {
      {0.298f, 0.207f, 0.208f}, {0.187f, 0.286f, 0.173f}, {-0.158f, 0.189f, 0.264f}, {-0.184f, -0.271f, -0.473f}};
  at::Tensor factors = at::from_blob(const_cast<float*>(&kFactors[0][0]), {4, 3}, at::kFloat).to(latents.device());
  return at::einsum("bchw,cr->brhw", {latents.to(at::kFloat), factors}).clamp(-1.0, 1.0);
}

at::Tensor SdBundle::preview(const at::Tensor& latents) {
  if (taesd_) return taesd_->preview(latents);
  if (latents.size(1) != 4) return decode(latents);
  // At the image's size (bilinear), so that it lines up with the decoded steps.
  const int64_t scale = vae_->downsampling();
  return at::upsample_bilinear2d(latent_rgb_preview(latents), {latents.size(2) * scale, latents.size(3) * scale},
                                 false);
}

}  // namespace diffscope
