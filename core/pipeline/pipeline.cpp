#include "core/pipeline/pipeline.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "core/common/cuda_device.h"
#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/common/runtime.h"
#include "core/common/system_memory.h"
#include "core/io/png_image.h"
#include "core/models/adapters/embedding_folders.h"
#include "core/models/adapters/lora_file.h"
#include "core/models/adapters/lora_prompt.h"
#include "core/pipeline/branch.h"
#include "core/pipeline/branch_run.h"
#include "core/pipeline/image_conditioning.h"
#include "core/pipeline/model_registry.h"
#include "core/pipeline/numeric_faults.h"
#include "core/pipeline/request_limits.h"
#include "core/pipeline/start_image.h"
#include "core/pipeline/word_map_recording.h"
#include "core/sampling/masked_denoiser.h"
#include "core/sampling/network_denoiser.h"
#include "core/sampling/refiner_switch.h"
#include "core/sampling/resampling.h"
#include "core/schedule/spacing.h"
#include "core/text/prompt_schedule.h"

namespace diffscope {
namespace {

bool is_auto(const std::string& schedule) { return schedule.empty() || schedule == "auto"; }

// Resampling runs one step at a time on one denoiser: what it cannot run with.
void validate_resampling(const Request& request) {
  if (request.inpaint_resample <= 1 || request.mask_image.empty()) return;  // it serves inpainting only
  check_resamplable(sampler_info(request.sampler));
  if (request.branch || has_prompt_schedule(request.prompt) || has_prompt_schedule(request.negative_prompt)) {
    throw Error("resampling does not run with prompt editing or a branch yet");
  }
  if (!request.refiner.empty()) throw Error("resampling does not run with an SDXL refiner yet");
}

// What this model does not accept, or settings it has no use for.
void validate_for_model(const Request& request, const ModelInfo& info) {
  const std::string model = "the model '" + info.name + "'";
  if (!info.sizes.accepts(request.width, request.height)) {
    throw Error(model + " draws " + info.sizes.describe() + "; " + std::to_string(request.width) + "×" +
                std::to_string(request.height) + " was asked for");
  }
  if (!is_auto(request.schedule)) {
    if (info.schedule_selectable) {
      NoiseSchedule::by_name(request.schedule);  // Error naming the choices
    } else if (request.schedule != info.schedule) {
      // A trained network only knows the schedule it was trained with.
      throw Error(model + " runs the " + info.schedule + " noise schedule; choose auto or " + info.schedule);
    }
  }
  if (!request.init_image.empty() && !info.options.image_to_image) {
    throw Error(model + " cannot start from an image (it has no image encoder)");
  }
  if (request.prediction && !info.options.prediction_override) {
    throw Error(model + " predicts " + prediction_name(info.prediction) + " by its " + info.prediction_source +
                "; the prediction cannot be set for it");
  }
  if (!request.vae.empty() && !info.options.vae_override) throw Error(model + " has no VAE to replace");
  if (!request.tokenizer.empty() && !info.options.tokenizer_files) throw Error(model + " takes no tokenizer files");
  if (request.clip_skip != 1 && !info.text.clip_skip) throw Error(model + " has no Clip skip setting");
  if (request.prompt_as_written && !info.text.nearest_caption) {
    throw Error(model + " always reads the prompt as written (it has no index of training captions)");
  }
  if (!request.refiner.empty() && !info.options.refiner) throw Error(model + " cannot be finished by a refiner");
  if (!request.size_conditioning.is_default() && !info.options.size_conditioning) {
    throw Error(model + " takes no size or crop conditioning (SDXL does)");
  }
  if (request.word_maps && !info.options.word_maps) {
    throw Error(model + " does not read the prompt through attention: it has no word heat maps");
  }
  if (!lora_tags(request.negative_prompt).empty()) {
    throw Error("LoRA tags (<lora:…>) belong in the prompt; the negative prompt has one");
  }
  if (!lora_tags(request.prompt).empty() && !info.options.lora) {
    throw Error(model + " takes no LoRA (<lora:…> tags are for Stable Diffusion checkpoints)");
  }
}

// The prompt's LoRAs, found in their folders and read far enough to know
// that they are LoRAs (a LoHa or a pickle is refused before the model loads).
std::vector<LoraUse> plan_loras(const Request& request) {
  std::vector<LoraUse> loras = resolve_loras(request.prompt, lora_search_dirs(request.lora_dirs, request.model));
  for (const LoraUse& use : loras) LoraFile::open(use.file);
  return loras;
}

// The σ list, timesteps and ᾱ_t of a plan on `schedule`.
void plan_schedule(Plan& plan, const NoiseSchedule& schedule) {
  plan.request.schedule = schedule.name();
  plan.sigmas = Pipeline::sigmas_for(plan.request, schedule, plan.info);
  plan.timesteps.clear();
  for (size_t i = 0; i + 1 < plan.sigmas.size(); ++i) plan.timesteps.push_back(schedule.t_at(plan.sigmas[i]));
  plan.alpha_bars.clear();
  for (int t = 0; t < schedule.steps(); ++t) plan.alpha_bars.push_back(schedule.alpha_bar(t));
  plan.model_calls = int(plan.timesteps.size()) * sampler_info(plan.request.sampler).evaluations_per_step;
}

// The prompt's conditioning on `bundle` and, with CFG, the negative prompt's,
// padded to one length. A text encoder's output must be finite; the oracle's
// "conditioning" is a log-mask over its images, where −∞ is meaningful.
Guidance guidance_for(ModelBundle& bundle, const Request& request, double cfg_scale, const c10::Device& device) {
  Guidance guidance;
  const bool text_encoder = bundle.info().kind != ModelKind::Oracle;
  // <lora:…> tags change the weights, not the text.
  guidance.cond = bundle.encode_prompt(without_lora_tags(request.prompt)).to(device);
  if (text_encoder) check_text_conditioning(guidance.cond, "prompt");
  guidance.scale = cfg_scale;
  if (guidance.scale != 1.0) {
    guidance.uncond = bundle.encode_negative_prompt(request.negative_prompt).to(device);
    if (text_encoder) check_text_conditioning(guidance.uncond, "negative prompt");
    // Prompts of different chunk counts: the shorter one gets empty chunks.
    const int64_t tokens = std::max(guidance.cond.size(1), guidance.uncond.size(1));
    guidance.cond = bundle.pad_conditioning(guidance.cond, tokens);
    guidance.uncond = bundle.pad_conditioning(guidance.uncond, tokens);
  }
  return guidance;
}

// The refiner's own request: the run's settings on the refiner's file.
Request refiner_request(const Request& request) {
  Request r = request;
  r.model = request.refiner;
  r.refiner.clear();
  r.vae.clear();  // the run decodes with its own model's VAE
  return r;
}

}  // namespace

Pipeline::Pipeline() = default;
Pipeline::~Pipeline() = default;

Spacing resolved_spacing(const Request& request, const ModelInfo& model) {
  // A branch runs on its parent's σ list, whatever its own sampler would choose.
  if (request.branch && request.branch->parent) return resolved_spacing(*request.branch->parent, model);
  if (request.spacing) return *request.spacing;
  if (model.default_spacing) return *model.default_spacing;
  return spacing_by_name(sampler_info(request.sampler).default_spacing);
}

std::vector<double> Pipeline::sigmas_for(const Request& request, const NoiseSchedule& schedule,
                                         const ModelInfo& model) {
  if (request.branch && request.branch->parent) {  // the parent's list up to the branch point
    Request parent = *request.branch->parent;
    if (request.spacing) parent.spacing = request.spacing;  // resolved once for the whole chain
    return branch_sigmas(sigmas_for(parent, schedule, model), request.branch->at_step, request.steps);
  }
  std::vector<double> sigmas =
      make_sigmas(schedule, request.steps, resolved_spacing(request, model), 0, model.align_your_steps);
  if (request.init_image.empty()) return sigmas;
  // img2img as A1111 runs it with k-diffusion samplers: the last
  // strength·n steps of the n-step list.
  const int keep = std::clamp(static_cast<int>(std::min(request.strength, 0.999) * request.steps), 1, request.steps);
  return std::vector<double>(sigmas.end() - (keep + 1), sigmas.end());
}

Plan Pipeline::plan(const Request& asked, bool keep_history) {
  const Request request = with_parent_settings(asked);
  validate_limits(request);
  Plan plan;
  plan.info = model_registry::describe(request.model);
  validate_for_model(request, plan.info);
  validate_resampling(request);
  plan.device = resolve_device(request.device);
  plan.compute_type = resolve_precision(request.precision, plan.info, plan.device);
  const SamplerInfo& sampler = sampler_info(request.sampler);
  plan.request = request;
  plan.request.spacing = resolved_spacing(request, plan.info);
  plan.request.cfg_scale = request.cfg_scale.value_or(plan.info.default_cfg);
  if (sampler.uses_eta) plan.request.eta = request.eta.value_or(sampler.default_eta);
  // Before loading, a checkpoint's own (non-standard) schedule buffer is not
  // read yet: the plan handed to RunHooks::on_ready is exact.
  const bool chosen = plan.info.schedule_selectable && !is_auto(request.schedule);
  plan_schedule(plan, NoiseSchedule::by_name(chosen ? request.schedule : plan.info.schedule));
  plan.memory = estimate_run_memory(plan.request, plan.info, plan.compute_type, keep_history);
  plan.loras = plan_loras(request);
  if (!request.refiner.empty()) {
    const ModelInfo refiner = model_registry::describe(request.refiner);
    if (!refiner.options.refiner) {
      throw Error("the refiner '" + refiner.name + "' is not an SDXL checkpoint (" + refiner.family + ")");
    }
    plan.memory.weights +=
        estimate_run_memory(refiner_request(plan.request), refiner, plan.compute_type, false).weights;
  }
  return plan;
}

ModelBundle& Pipeline::load(const Plan& plan, const Request& asked, const CancelToken& cancel,
                            const std::function<void(uint64_t, uint64_t)>& progress) {
  const ModelSource source = model_registry::find(plan.request.model);
  const LoadContext context{plan.device, plan.compute_type, progress, cancel};
  const std::string key = model_registry::load_key(source, plan.request, context);
  if (!bundle_ || key != bundle_key_) {
    bundle_.reset();  // free the old model before loading the next
    bundle_key_.clear();
    bundle_ = model_registry::load(source, plan.request, context);
    bundle_key_ = key;
    bundle_bytes_ = estimate_run_memory(plan.request, plan.info, plan.compute_type, false).weights;
    device_ = plan.device;
  }
  bundle_->set_clip_skip(plan.request.clip_skip);
  bundle_->set_prompt_as_written(plan.request.prompt_as_written);
  bundle_->set_size_conditioning(plan.request.size_conditioning);
  bundle_->set_loras(plan.loras, cancel);
  embeddings_ = plan.info.options.embeddings
                    ? scan_embeddings(embedding_search_dirs(plan.request.embedding_dirs, plan.request.model))
                    : EmbeddingScan{};
  bundle_->set_embeddings(embeddings_);
  // A checkpoint's own schedule buffer is known only now.
  if (!plan.info.schedule_selectable && !is_auto(asked.schedule) && asked.schedule != bundle_->schedule().name()) {
    throw Error("the model '" + plan.info.name + "' runs the " + bundle_->schedule().name() +
                " noise schedule; choose auto");
  }
  return *bundle_;
}

ModelBundle& Pipeline::prepare(const Request& request, const CancelToken& cancel) {
  return load(plan(request), request, cancel, {});
}

Result Pipeline::run(const Request& request, const StepCallback& on_step, const CancelToken& cancel) {
  RunHooks hooks;
  hooks.on_step = on_step;
  return run(request, hooks, cancel);
}

Result Pipeline::run(const Request& asked, const RunHooks& hooks, const CancelToken& cancel) {
  const Request request = with_parent_settings(asked);
  Plan plan = Pipeline::plan(request, hooks.keep_history);
  try {
    return run_planned(plan, request, hooks, cancel);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    if (!cuda::is_out_of_memory(e)) throw;
    // The estimate let it start, but the allocator said no (fragmentation,
    // another program on the GPU): the app's message, not LibTorch's.
    const std::string what = e.what();
    throw Error(std::string(plan.device.is_cuda() ? "the GPU ran out of memory" : "out of memory") + " on " +
                describe_device(plan.device) + " during the run: lower the image size or the batch size" +
                (plan.device.is_cuda() ? ", choose float16, or run on the CPU (device cpu)" : "") + " (" +
                what.substr(0, what.find('\n')) + ")");
  }
}

Result Pipeline::run_planned(Plan& plan, const Request& request, const RunHooks& hooks, const CancelToken& cancel) {
  // Before loading: a multi-GB checkpoint that cannot run is not read at all.
  // On a GPU the model and the working memory go to the device; the step
  // history stays in the computer's memory.
  std::optional<uint64_t> available =
      plan.device.is_cuda() ? std::optional<uint64_t>(cuda::device_memory(plan.device).free) : available_memory_bytes();
  if (available) {
    // A model already loaded for this plan needs no memory again; one that
    // this plan replaces will be freed before the next is read.
    MemoryEstimate needed = plan.memory;
    if (plan.device.is_cuda()) needed.history = 0;
    uint64_t freed = 0;
    // `wanted`: the request that model would serve now (nullptr: none).
    auto account = [&](bool held, const std::string& held_key, uint64_t held_bytes, const Request* wanted) {
      if (!held) return;
      if (wanted != nullptr && key_for(*wanted, plan) == held_key) {
        needed.weights -= std::min(needed.weights, held_bytes);
      } else {
        freed += held_bytes;
      }
    };
    account(bundle_ != nullptr, bundle_key_, bundle_bytes_, &plan.request);
    const Request refiner = refiner_request(plan.request);
    account(refiner_ != nullptr, refiner_key_, refiner_bytes_, plan.request.refiner.empty() ? nullptr : &refiner);
    check_memory(needed, *available + freed, plan.device.is_cuda() ? "GPU memory" : "memory");
  }
  if (plan.device.is_cuda() && plan.memory.history > 0) {
    if (const auto host = available_memory_bytes()) check_memory({0, 0, plan.memory.history}, *host, "memory");
  }
  ModelBundle& bundle = load(plan, request, cancel, hooks.load_progress);
  if (plan.request.refiner.empty()) refiner_.reset();  // its gigabytes are not kept for later
  ModelBundle* refiner = plan.request.refiner.empty() ? nullptr : &load_refiner(plan, cancel, hooks.load_progress);
  cancel.throw_if_cancelled();
  if (hooks.on_ready) {
    plan.info = bundle.info();
    plan_schedule(plan, bundle.schedule());
    hooks.on_ready(plan, bundle);
  }
  return run_on(bundle, device_, request, hooks.on_step, cancel, refiner);
}

std::string Pipeline::key_for(const Request& request, const Plan& plan) {
  const LoadContext context{plan.device, plan.compute_type, {}, {}};
  return model_registry::load_key(model_registry::find(request.model), request, context);
}

ModelBundle& Pipeline::load_refiner(const Plan& plan, const CancelToken& cancel,
                                    const std::function<void(uint64_t, uint64_t)>& progress) {
  const Request request = refiner_request(plan.request);
  const ModelSource source = model_registry::find(request.model);
  const LoadContext context{plan.device, plan.compute_type, progress, cancel};
  const std::string key = model_registry::load_key(source, request, context);
  if (!refiner_ || key != refiner_key_) {
    refiner_.reset();
    refiner_key_.clear();
    refiner_ = model_registry::load(source, request, context);
    refiner_key_ = key;
    refiner_bytes_ = estimate_run_memory(request, refiner_->info(), plan.compute_type, false).weights;
  }
  refiner_->set_clip_skip(request.clip_skip);
  refiner_->set_size_conditioning(request.size_conditioning);
  refiner_->set_embeddings(embeddings_);
  return *refiner_;
}

Result Pipeline::run_on(ModelBundle& bundle, const c10::Device& device, const Request& asked,
                        const StepCallback& on_step, const CancelToken& cancel, ModelBundle* refiner) {
  const Request request = with_parent_settings(asked);  // a branch: its parent's model, size, noise…
  validate_limits(request);
  // Sampling never needs autograd; inference mode also skips its per-operator
  // bookkeeping (−11 % for the built-in model's whole run, docs/PERFORMANCE.md).
  c10::InferenceMode inference;
  const SamplerInfo& sampler = sampler_info(request.sampler);
  const ModelInfo info = bundle.info();
  const auto start = std::chrono::steady_clock::now();

  Result result;
  result.request = request;
  result.info = info;
  result.request.spacing = resolved_spacing(request, info);
  result.request.schedule = bundle.schedule().name();
  result.request.cfg_scale = request.cfg_scale.value_or(info.default_cfg);
  if (sampler.uses_eta) result.request.eta = request.eta.value_or(sampler.default_eta);

  const std::vector<double> sigmas = sigmas_for(result.request, bundle.schedule(), info);
  // x_T's noise is the first run's of a chain of branches.
  const Request& root = chain_root(request);
  const std::vector<int64_t> item_seeds = batch_seeds(root.seed, root.batch, root.variation);
  NoiseSource noise(item_seeds);
  std::vector<int64_t> item_shape = bundle.latent_shape(request.width, request.height);
  // Every step is checked before anyone sees it: NaN stops the run (numeric_faults.h).
  const std::string network = info.kind == ModelKind::Oracle ? "oracle" : "U-Net";
  // Branches change the conditioning (or the sampler) between steps, prompt
  // editing between model calls: the chain runs in segments (branch_run.h).
  const bool segmented =
      request.branch || has_prompt_schedule(request.prompt) || has_prompt_schedule(request.negative_prompt);
  const int run_steps = static_cast<int>(sigmas.size()) - 1;
  const std::vector<ChainSegment> segments =
      segmented ? chain_segments(request, run_steps) : std::vector<ChainSegment>{};
  std::optional<WordMapRecording> word_maps;
  if (request.word_maps && info.options.word_maps) {
    // A step's maps are read with its first model call's words (a Heun step
    // whose corrector reads another prompt sums both calls' attention).
    const std::vector<std::vector<CallConditioning>> calls =
        segmented ? call_conditioning(segments, sigmas) : std::vector<std::vector<CallConditioning>>{};
    word_maps.emplace(bundle, item_shape.at(1), item_shape.at(2), [&request, calls](int step) {
      const bool known = step >= 0 && size_t(step) < calls.size() && !calls[size_t(step)].empty();
      return known ? calls[size_t(step)].front().prompt : request.prompt;
    });
  }
  const StepCallback checked_step = [&](const StepEvent& event) {
    check_step(event, network);
    if (!word_maps) {
      if (on_step) on_step(event);
      return;
    }
    StepEvent with_maps = event;
    word_maps->attach(with_maps);
    if (on_step) on_step(with_maps);
  };
  // x_T = σ_0·N(0, I), drawn on the CPU, then moved to the device; img2img
  // adds it to the encoded image.
  const int pixels_per_latent = std::max<int>(1, request.height / static_cast<int>(item_shape.at(1)));
  at::Tensor x =
      initial_noise(noise, item_seeds, item_shape, request.variation, pixels_per_latent).to(device) * sigmas.front();
  std::optional<StartImage> start_image;  // inpainting also keeps it outside the mask
  if (!request.init_image.empty()) {
    start_image = read_start_image(bundle, request, device, x.scalar_type(), item_shape, item_seeds);
    x = x + start_image->known;
  }
  const bool masked = start_image && start_image->mask;
  if (info.options.inpainting_model) {
    bundle.set_image_conditioning(inpainting_image_conditioning(bundle, start_image ? &*start_image : nullptr,
                                                                request.width, request.height, item_shape, device,
                                                                request.inpainting_mask_weight));
  }

  at::Tensor latents;
  if (segmented) {
    if (refiner != nullptr) throw Error("prompt editing and branches do not run with an SDXL refiner yet");
    const DenoiserFactory make_denoiser = [&](const Request& settings) -> std::unique_ptr<Denoiser> {
      const double cfg = settings.cfg_scale.value_or(info.default_cfg);
      auto denoiser = std::make_unique<NetworkDenoiser>(bundle.network(), bundle.schedule(),
                                                        guidance_for(bundle, settings, cfg, device), cancel);
      if (!masked) return denoiser;
      return std::make_unique<MaskedDenoiser>(std::move(denoiser), start_image->known, start_image->repaint);
    };
    latents = run_segments(std::move(x), segments, sigmas, make_denoiser, noise, request.batch, checked_step, cancel);
  } else {
    NetworkDenoiser denoiser(bundle.network(), bundle.schedule(),
                             guidance_for(bundle, request, *result.request.cfg_scale, device), cancel);
    // The refiner finishes the run from A1111's switch point (refiner_switch.h).
    std::optional<NetworkDenoiser> refiner_denoiser;
    std::optional<SwitchingDenoiser> switching;
    if (refiner != nullptr) {
      refiner_denoiser.emplace(refiner->network(), refiner->schedule(),
                               guidance_for(*refiner, request, *result.request.cfg_scale, device), cancel);
      const int calls = (static_cast<int>(sigmas.size()) - 1) * sampler.evaluations_per_step;
      switching.emplace(
          denoiser, *refiner_denoiser,
          refiner_switch_rule(bundle.schedule(), request.refiner_switch_at, request.refiner_switch_by_steps, calls));
    }
    Denoiser& unmasked = switching ? static_cast<Denoiser&>(*switching) : denoiser;
    std::optional<MaskedDenoiser> masked_denoiser;
    if (masked) masked_denoiser.emplace(unmasked, start_image->known, start_image->repaint);
    Denoiser& active = masked_denoiser ? static_cast<Denoiser&>(*masked_denoiser) : unmasked;
    SampleRun run{active, sigmas, &noise, checked_step, cancel, {}};
    run.options.eta = request.eta;
    run.options.ddpm_variance = request.ddpm_variance;
    latents = run_resampled(sampler, std::move(x), run, masked ? request.inpaint_resample : 1);
  }
  cancel.throw_if_cancelled();
  // A sampler whose last step leaves noise still ends with the start image outside the mask.
  if (masked) latents = keep_known(latents, start_image->known, start_image->repaint);

  result.samples = latents;
  // The embeddings the prompts named (each model's text encoders read them).
  result.info.embeddings = bundle.embeddings_used();
  if (refiner != nullptr) {
    for (const UsedEmbedding& used : refiner->embeddings_used()) {
      const auto& list = result.info.embeddings;
      if (std::find(list.begin(), list.end(), used) == list.end()) result.info.embeddings.push_back(used);
    }
  }
  const at::Tensor decoded = bundle.decode(latents).to(at::kCPU);
  check_decoded(decoded);
  result.images = model_range_to_images(decoded);
  // The unmasked pixels come back as they were, not through the autoencoder (A1111's overlay).
  if (masked) result.images = overlay_start_image(result.images, start_image->rgb, start_image->mask->pixels);
  result.sigmas = sigmas;
  result.device = describe_device(device);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace diffscope
