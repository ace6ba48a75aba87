#pragma once
// Request → step events → images. Keeps the last loaded model so repeated runs
// with the same model, size and device do not reload it.
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/models/model_bundle.h"
#include "core/pipeline/request.h"
#include "core/sampling/step_event.h"

namespace diffscope {

struct Result {
  Request request;       // as run: every "auto" and default filled in
  at::Tensor images;     // (B, H, W, 3) uint8 on the CPU
  at::Tensor samples;    // the final latents (B, C, h, w) on the run's device
  std::vector<double> sigmas;
  std::string device;    // e.g. "CPU (2 threads)"
  double seconds = 0;    // sampling + decoding
};

class Pipeline {
 public:
  Pipeline();
  ~Pipeline();

  // Throws Error for bad requests or inputs, Cancelled when `cancel` fires.
  Result run(const Request& request, const StepCallback& on_step = {}, const CancelToken& cancel = {});

  // Runs on a bundle the caller holds (e.g. a model being trained) on `device`;
  // request.model is not looked at.
  static Result run_on(ModelBundle& bundle, const c10::Device& device, const Request& request,
                       const StepCallback& on_step = {}, const CancelToken& cancel = {});

  // Loads (or reuses) the model a request names. A Stable Diffusion
  // checkpoint reports its loading through `load_progress` and stops with
  // Cancelled when `cancel` fires.
  ModelBundle& prepare(const Request& request, const CancelToken& cancel = {});
  void set_load_progress(std::function<void(uint64_t done, uint64_t total)> progress) {
    load_progress_ = std::move(progress);
  }
  // The σ list a request runs over (n + 1 levels), for a prepared bundle;
  // img2img runs only its last strength·n steps.
  static std::vector<double> sigmas_for(const Request& request, const ModelBundle& bundle);
  // Names of the models this build can run.
  static std::vector<std::string> model_names();

 private:
  std::function<void(uint64_t, uint64_t)> load_progress_;
  std::unique_ptr<ModelBundle> bundle_;
  std::string bundle_key_;
  c10::Device device_{c10::kCPU};  // where bundle_ lives
};

// The compute type a request runs in on `device`. "auto": $DIFFSCOPE_PRECISION
// where set; else for Stable Diffusion float16 on CUDA and bfloat16 on CPUs
// with bf16 instructions (float32 on others); for the built-in model float32.
at::ScalarType resolved_precision(const Request& request, const c10::Device& device);

// The spacing a request stands for ("auto" → the sampler's default).
std::string resolved_spacing(const Request& request);

}  // namespace diffscope
