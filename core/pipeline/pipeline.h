#pragma once
// Request → plan → step events → images. Keeps the last loaded model so
// repeated runs with the same model, size and device do not reload it.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/models/adapters/embedding_folders.h"
#include "core/models/model_bundle.h"
#include "core/models/model_info.h"
#include "core/pipeline/memory_estimate.h"
#include "core/pipeline/request.h"
#include "core/sampling/step_event.h"

namespace diffscope {

// What a run will do, known before anything is loaded or computed.
struct Plan {
  Request request;  // as it will run: spacing, schedule, CFG and η filled in
  ModelInfo info;   // the model (described; once loaded, as loading found it)
  c10::Device device{c10::kCPU};
  at::ScalarType compute_type = at::kFloat;
  std::vector<double> sigmas;      // n + 1 levels; img2img: its last strength·n steps
  std::vector<double> timesteps;   // t of each step
  std::vector<double> alpha_bars;  // ᾱ_t of the schedule, t = 0..T−1
  int model_calls = 0;             // network evaluations (CFG runs both halves in one)
  std::vector<LoraUse> loras;      // the prompt's <lora:…> tags, found and checked
  MemoryEstimate memory;
};

struct Result {
  Request request;     // as run: every "auto" and default filled in
  ModelInfo info;      // the model it ran on
  at::Tensor images;   // (B, H, W, 3) uint8 on the CPU
  at::Tensor samples;  // the final latents (B, C, h, w) on the run's device
  std::vector<double> sigmas;
  std::string device;  // e.g. "CPU (2 threads)"
  double seconds = 0;  // sampling + decoding
};

// What a caller wants to hear of a run besides its steps.
struct RunHooks {
  bool keep_history = false;  // the caller keeps every step: counted in the memory check
  // Loading a checkpoint: bytes read of all.
  std::function<void(uint64_t done, uint64_t total)> load_progress;
  // The model is loaded and the plan exact; the steps follow.
  std::function<void(const Plan& plan, ModelBundle& bundle)> on_ready;
  StepCallback on_step;
};

class Pipeline {
 public:
  Pipeline();
  ~Pipeline();

  // Checks `request` against its model's description and the limits
  // (request_limits.h) and says what a run will do; loads and computes
  // nothing. Error naming the problem for anything a run would refuse.
  static Plan plan(const Request& request, bool keep_history = false);

  // plan → memory check → load (or reuse) → sample → decode. Throws Error for
  // bad requests or inputs, Cancelled when `cancel` fires.
  Result run(const Request& request, const RunHooks& hooks, const CancelToken& cancel = {});
  Result run(const Request& request, const StepCallback& on_step = {}, const CancelToken& cancel = {});

  // Runs on a bundle the caller holds (e.g. a model being trained) on `device`;
  // request.model is not looked at. `refiner` (SDXL): finishes the run from
  // request.refiner_switch_at on (core/sampling/refiner_switch.h).
  static Result run_on(ModelBundle& bundle, const c10::Device& device, const Request& request,
                       const StepCallback& on_step = {}, const CancelToken& cancel = {},
                       ModelBundle* refiner = nullptr);

  // Loads (or reuses) the model a request names, e.g. to decode a step on demand.
  ModelBundle& prepare(const Request& request, const CancelToken& cancel = {});

  // The σ list a request runs over (n + 1 levels) on a schedule with a
  // model (its default spacing, its Align Your Steps list); img2img
  // runs only its last strength·n steps.
  static std::vector<double> sigmas_for(const Request& request, const NoiseSchedule& schedule, const ModelInfo& model);

 private:
  // `asked`: the request as given (plan.request has its "auto"s filled in).
  ModelBundle& load(const Plan& plan, const Request& asked, const CancelToken& cancel,
                    const std::function<void(uint64_t, uint64_t)>& progress);

  // run() after planning: memory check, load, sample.
  Result run_planned(Plan& plan, const Request& request, const RunHooks& hooks, const CancelToken& cancel);

  // The refiner a request names, loaded beside the model (or reused).
  ModelBundle& load_refiner(const Plan& plan, const CancelToken& cancel,
                            const std::function<void(uint64_t, uint64_t)>& progress);

  // The key under which `request`'s model would be loaded for `plan`.
  static std::string key_for(const Request& request, const Plan& plan);

  std::unique_ptr<ModelBundle> bundle_;
  std::string bundle_key_;
  uint64_t bundle_bytes_ = 0;  // its weights, as the memory estimate counts them
  std::unique_ptr<ModelBundle> refiner_;
  std::string refiner_key_;
  uint64_t refiner_bytes_ = 0;
  // The textual inversions the run's prompts may name, looked for when it
  // loads (not in plan(): the app plans on every edit, and a look reads files).
  EmbeddingScan embeddings_;
  c10::Device device_{c10::kCPU};  // where bundle_ lives
};

// The spacing a request stands for: its own, else the model's default, else
// the sampler's.
Spacing resolved_spacing(const Request& request, const ModelInfo& model);

}  // namespace diffscope
