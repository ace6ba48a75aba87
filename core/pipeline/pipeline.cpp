#include "core/pipeline/pipeline.h"

#include <ATen/ATen.h>

#include <chrono>

#include "core/common/errors.h"
#include "core/common/runtime.h"
#include "core/data/emoji_set.h"
#include "core/models/ldm/ldm_bundle.h"
#include "core/models/model_paths.h"
#include "core/models/oracle_bundle.h"
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

ModelBundle& Pipeline::prepare(const Request& request) {
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
  return make_sigmas(bundle.schedule(), request.steps, spacing_by_name(resolved_spacing(request)));
}

Result Pipeline::run(const Request& request, const StepCallback& on_step, const CancelToken& cancel) {
  validate(request);
  if (const auto available = available_memory_bytes()) {
    check_memory(estimate_run_memory(request, /*keep_history=*/false), *available);
  }
  ModelBundle& bundle = prepare(request);
  return run_on(bundle, device_, request, on_step, cancel);
}

Result Pipeline::run_on(ModelBundle& bundle, const c10::Device& device, const Request& request,
                        const StepCallback& on_step, const CancelToken& cancel) {
  validate(request);
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
  if (guidance.scale != 1.0) guidance.uncond = bundle.encode_prompt(request.negative_prompt).to(device);
  NetworkDenoiser denoiser(bundle.network(), bundle.schedule(), guidance, cancel);

  NoiseSource noise(request.seed, request.batch);
  std::vector<int64_t> item_shape = bundle.latent_shape(request.width, request.height);
  SampleRun run{denoiser, sigmas_for(request, bundle), &noise, on_step, cancel, {}};
  run.options.eta = request.eta;
  run.options.ddpm_variance = request.ddpm_variance;

  // x_T = σ_0·N(0, I), drawn on the CPU, then moved to the device.
  at::Tensor x = noise.draw(item_shape).to(device) * run.sigmas.front();
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
