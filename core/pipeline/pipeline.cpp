#include "core/pipeline/pipeline.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "core/common/errors.h"
#include "core/common/runtime.h"
#include "core/data/emoji_set.h"
#include "core/models/ldm/ldm_bundle.h"
#include "core/models/model_paths.h"
#include "core/models/oracle_bundle.h"
#include "core/models/sd/sd_bundle.h"
#include "core/io/png_image.h"
#include "core/pipeline/memory_estimate.h"
#include "core/sampling/network_denoiser.h"
#include "core/schedule/spacing.h"

namespace diffscope {
namespace {

constexpr int kMaxBatch = 64;
constexpr int kMaxSteps = 1000;

void validate(const Request& request) {
  if (request.batch < 1 || request.batch > kMaxBatch) {
    throw Error("the batch size must be between 1 and " + std::to_string(kMaxBatch));
  }
  if (request.steps < 1 || request.steps > kMaxSteps) {
    throw Error("the number of steps must be between 1 and " + std::to_string(kMaxSteps));
  }
  if (request.cfg_scale && !(*request.cfg_scale >= 0.0 && *request.cfg_scale <= 100.0)) {
    throw Error("the CFG scale must be between 0 and 100");
  }
  if (request.eta && !(*request.eta >= 0.0 && *request.eta <= 10.0)) throw Error("η must be between 0 and 10");
  if (request.seed < 0) throw Error("the seed must not be negative");
  if (request.clip_skip < 1 || request.clip_skip > 12) throw Error("Clip skip must be between 1 and 12");
  if (!(request.strength > 0.0 && request.strength <= 1.0)) throw Error("the img2img strength must be in (0, 1]");
}

// The img2img start image (H, W, 3) → latents for each batch item.
at::Tensor encode_init_image(ModelBundle& bundle, const Request& request, const c10::Device& device) {
  const at::Tensor image = read_png_rgb(request.init_image);
  if (image.size(0) != request.height || image.size(1) != request.width) {
    throw Error(request.init_image + " is " + std::to_string(image.size(1)) + "×" + std::to_string(image.size(0)) +
                "; set the size to match it (" + std::to_string(request.width) + "×" + std::to_string(request.height) +
                " is set)");
  }
  at::Tensor pixels = image.permute({2, 0, 1}).unsqueeze(0).to(device, at::kFloat) / 127.5 - 1.0;
  return bundle.encode_image(pixels).expand({request.batch, -1, -1, -1});
}

}  // namespace

Pipeline::Pipeline() = default;
Pipeline::~Pipeline() = default;

std::vector<std::string> Pipeline::model_names() { return {kBuiltinModel, "oracle"}; }

std::string resolved_spacing(const Request& request) {
  if (request.spacing.empty() || request.spacing == "auto") {
    return sampler_by_name(request.sampler).default_spacing;
  }
  return spacing_name(spacing_by_name(request.spacing));
}

at::ScalarType resolved_precision(const Request& request, const c10::Device& device) {
  const std::string& asked = request.precision;
  if (asked.empty() || asked == "auto") {
    if (!sd::looks_like_checkpoint_path(request.model) || std::getenv("DIFFSCOPE_PRECISION") != nullptr) {
      return default_compute_type(device);
    }
    // Stable Diffusion: float16 on CUDA; bfloat16 where the CPU computes it
    // natively (2× faster, docs/PERFORMANCE.md), else the float32 reference.
    if (device.is_cuda()) return at::kHalf;
    return cpu_has_bf16_instructions() ? at::kBFloat16 : at::kFloat;
  }
  if (asked == "float32") return at::kFloat;
  if (asked == "bfloat16") return at::kBFloat16;
  if (asked == "float16") {
    if (!device.is_cuda()) throw Error("float16 runs only on CUDA (LibTorch has no float16 CPU kernels); use bfloat16");
    return at::kHalf;
  }
  throw Error("unknown precision '" + asked + "' (use auto, float32, bfloat16 or float16)");
}

ModelBundle& Pipeline::prepare(const Request& request, const CancelToken& cancel) {
  const c10::Device device = resolve_device(request.device);
  const bool auto_schedule = request.schedule == "auto" || request.schedule.empty();
  if (request.model == "oracle") {
    const std::string schedule = auto_schedule ? "linear" : request.schedule;
    const std::string key = request.model + "|" + std::to_string(request.width) + "x" +
                            std::to_string(request.height) + "|" + schedule + "|" + device.str();
    if (!bundle_ || key != bundle_key_) {
      bundle_.reset();  // free the old model before loading the next
      bundle_ = std::make_unique<OracleBundle>(load_default_image_set(), request.width, request.height, schedule,
                                               device);
      bundle_key_ = key;
      device_ = device;
    }
    return *bundle_;
  }
  if (sd::looks_like_checkpoint_path(request.model)) {
    const at::ScalarType precision = resolved_precision(request, device);
    const std::string key = request.model + "|" + request.vae + "|" + request.tokenizer + "|" + request.prediction +
                            "|" + at::toString(precision) + "|" + device.str();
    if (!bundle_ || key != bundle_key_) {
      bundle_.reset();
      bundle_key_.clear();
      SdLoadOptions options;
      options.checkpoint = request.model;
      options.vae = request.vae;
      options.tokenizer = request.tokenizer;
      options.prediction = request.prediction;
      options.compute_type = precision;
      options.device = device;
      options.progress = load_progress_;
      options.cancel = cancel;
      bundle_ = SdBundle::load(options);
      bundle_key_ = key;
      device_ = device;
    }
    static_cast<SdBundle&>(*bundle_).set_clip_skip(request.clip_skip);
    if (!auto_schedule && request.schedule != bundle_->schedule().name()) {
      throw Error("this checkpoint runs the " + bundle_->schedule().name() + " noise schedule; choose auto");
    }
    return *bundle_;
  }
  const auto dir = find_model_dir(request.model);
  if (!dir) {
    throw Error("unknown model '" + request.model + "' (available: " + kBuiltinModel +
                ", oracle); models are looked for in $DIFFSCOPE_MODELS_DIR and the installed share/diffscope/models");
  }
  const std::string key = request.model + "|" + device.str();
  if (!bundle_ || key != bundle_key_) {
    bundle_.reset();
    auto latent_model = LdmBundle::load(*dir, request.model, device);
    latent_model->set_compute_type(default_compute_type(device));
    bundle_ = std::move(latent_model);
    bundle_key_ = key;
    device_ = device;
  }
  // A trained network only knows the schedule it was trained with.
  if (!auto_schedule && request.schedule != bundle_->schedule().name()) {
    throw Error("the model '" + request.model + "' was trained with the " + bundle_->schedule().name() +
                " noise schedule; choose auto or " + bundle_->schedule().name());
  }
  return *bundle_;
}

std::vector<double> Pipeline::sigmas_for(const Request& request, const ModelBundle& bundle) {
  std::vector<double> sigmas = make_sigmas(bundle.schedule(), request.steps, spacing_by_name(resolved_spacing(request)));
  if (request.init_image.empty()) return sigmas;
  // img2img as A1111 runs it with k-diffusion samplers: the last
  // strength·n steps of the n-step list.
  const int keep = std::clamp(static_cast<int>(std::min(request.strength, 0.999) * request.steps), 1, request.steps);
  return std::vector<double>(sigmas.end() - (keep + 1), sigmas.end());
}

Result Pipeline::run(const Request& request, const StepCallback& on_step, const CancelToken& cancel) {
  validate(request);
  if (const auto available = available_memory_bytes()) {
    check_memory(estimate_run_memory(request, /*keep_history=*/false), *available);
  }
  ModelBundle& bundle = prepare(request, cancel);
  return run_on(bundle, device_, request, on_step, cancel);
}

Result Pipeline::run_on(ModelBundle& bundle, const c10::Device& device, const Request& request,
                        const StepCallback& on_step, const CancelToken& cancel) {
  validate(request);
  // Sampling never needs autograd; inference mode also skips its per-operator
  // bookkeeping (−11 % for the built-in model's whole run, docs/PERFORMANCE.md).
  c10::InferenceMode inference;
  const SamplerInfo& sampler = sampler_by_name(request.sampler);
  const auto start = std::chrono::steady_clock::now();

  Result result;
  result.request = request;
  result.request.spacing = resolved_spacing(request);
  result.request.schedule = bundle.schedule().name();
  result.request.cfg_scale = request.cfg_scale.value_or(bundle.default_cfg_scale());
  if (sampler.uses_eta) result.request.eta = request.eta.value_or(sampler.default_eta);

  Guidance guidance;
  guidance.cond = bundle.encode_prompt(request.prompt).to(device);
  guidance.scale = *result.request.cfg_scale;
  if (guidance.scale != 1.0) {
    guidance.uncond = bundle.encode_prompt(request.negative_prompt).to(device);
    // Prompts of different chunk counts: the shorter one gets empty chunks.
    const int64_t tokens = std::max(guidance.cond.size(1), guidance.uncond.size(1));
    guidance.cond = bundle.pad_conditioning(guidance.cond, tokens);
    guidance.uncond = bundle.pad_conditioning(guidance.uncond, tokens);
  }
  NetworkDenoiser denoiser(bundle.network(), bundle.schedule(), guidance, cancel);

  NoiseSource noise(request.seed, request.batch);
  std::vector<int64_t> item_shape = bundle.latent_shape(request.width, request.height);
  SampleRun run{denoiser, sigmas_for(request, bundle), &noise, on_step, cancel, {}};
  run.options.eta = request.eta;
  run.options.ddpm_variance = request.ddpm_variance;

  // x_T = σ_0·N(0, I), drawn on the CPU, then moved to the device; img2img
  // adds it to the encoded image.
  at::Tensor x = noise.draw(item_shape).to(device) * run.sigmas.front();
  if (!request.init_image.empty()) x = x + encode_init_image(bundle, request, device);
  at::Tensor latents = run_sampler(sampler, std::move(x), run);
  cancel.throw_if_cancelled();

  result.samples = latents;
  result.images = model_range_to_images(bundle.decode(latents).to(at::kCPU));
  result.sigmas = run.sigmas;
  result.device = describe_device(device);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace diffscope
