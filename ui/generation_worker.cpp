#include "ui/generation_worker.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <QStringList>

#include <optional>
#include <unordered_map>

#include "core/analysis/chain_path.h"
#include "core/common/cuda_device.h"
#include "core/common/errors.h"
#include "core/common/runtime.h"
#include "ui/tensor_image.h"

namespace diffscope::ui {
namespace {

// "v1-5 · SD 1.x · ε-prediction (SD 1.x default) · float32"
QString describe_model(const Plan& plan) {
  const ModelInfo& info = plan.info;
  const QString prediction = info.prediction == Prediction::V         ? "v"
                             : info.prediction == Prediction::Epsilon ? "ε"
                                                                      : "x̂₀";
  QString compute = QString::fromStdString(at::toString(plan.compute_type));
  if (!info.compute_note.empty()) compute += " (" + QString::fromStdString(info.compute_note) + ")";
  QString line = QString("%1 · %2 · %3-prediction (%4) · %5")
                     .arg(QString::fromStdString(info.name), QString::fromStdString(info.family), prediction,
                          QString::fromStdString(info.prediction_source), compute);
  // "· LoRA detail ×0.8 (3 of 264 modules change nothing here: lora_unet_…)"
  for (const AppliedLora& lora : info.loras) {
    line += QString(" · LoRA %1 ×%2").arg(QString::fromStdString(lora.use.name)).arg(lora.use.unet_weight);
    if (lora.use.text_weight != lora.use.unet_weight) line += QString(" (text ×%1)").arg(lora.use.text_weight);
    if (!lora.unmatched.empty()) {
      line += QString(" (%1 of %2 modules change nothing here: %3%4)")
                  .arg(lora.unmatched.size())
                  .arg(lora.modules)
                  .arg(QString::fromStdString(lora.unmatched.front()))
                  .arg(lora.unmatched.size() > 1 ? ", …" : "");
    }
  }
  return line;
}

RunPlan make_plan(const Plan& plan, ModelBundle& bundle) {
  RunPlan out;
  out.request = plan.request;
  out.sigmas = plan.sigmas;
  out.timesteps = plan.timesteps;
  out.schedule_alpha_bar = plan.alpha_bars;
  out.device = QString::fromStdString(describe_device(plan.device));
  out.info = plan.info;
  out.model_info = describe_model(plan);
  for (const std::string& warning : bundle.prompt_warnings(plan.request.prompt)) {
    out.prompt_warnings.push_back(QString::fromStdString(warning));
  }
  return out;
}

// Set images already shown in this run, so that steps share one QImage each.
using CandidateImages = std::unordered_map<int, QImage>;

// The oracle's posterior for image 0: its top candidates and its entropy.
std::optional<double> add_candidates(ModelBundle& bundle, const StepEvent& event, const at::Tensor& context,
                                     CandidateImages& images, StepFrame& frame) {
  const auto posterior = bundle.posterior(event.x_t.narrow(0, 0, 1), event.t, context, GenerationWorker::kCandidates);
  if (!posterior) return std::nullopt;
  for (const WeighedImage& weighed : posterior->top) {
    Candidate c;
    c.index = weighed.index;
    c.weight = weighed.weight;
    auto found = images.find(c.index);
    if (found == images.end()) {
      found = images.emplace(c.index, batch_image(bundle.training_image(c.index).unsqueeze(0))).first;
    }
    c.image = found->second;
    c.caption = QString::fromStdString(weighed.caption);
    frame.candidates.push_back(std::move(c));
  }
  return posterior->entropy;
}

}  // namespace

GenerationWorker::GenerationWorker(QObject* parent) : QObject(parent) {}

QString describe_torch_error(const std::string& what) {
  const QString first = QString::fromStdString(what).section('\n', 0, 0).trimmed();
  if (first.contains("out of memory", Qt::CaseInsensitive)) {
    return "The GPU ran out of memory: lower the batch size or the image size, or choose the CPU. (" + first + ")";
  }
  return "LibTorch error: " + first;
}

void GenerationWorker::run(quint64 id, const Request& request, const CancelToken& cancel) {
  try {
    execute(id, request, cancel);
  } catch (const Cancelled&) {
    Q_EMIT runCancelled(id);
  } catch (const Error& e) {
    Q_EMIT runFailed(id, QString::fromUtf8(e.what()));
  } catch (const c10::Error& e) {
    Q_EMIT runFailed(id, describe_torch_error(e.what()));
  } catch (const std::bad_alloc&) {
    Q_EMIT runFailed(id, "Out of memory: lower the batch size, the image size or the number of steps.");
  } catch (const std::exception& e) {
    Q_EMIT runFailed(id, QString::fromUtf8(e.what()));
  }
}

void GenerationWorker::decode(quint64 tag, const Request& request, const at::Tensor& latents) {
  try {
    ModelBundle& bundle = pipeline_.prepare(request);
    Q_EMIT decoded(tag, batch_image(bundle.decode(latents.to(resolve_device(request.device)))), {});
  } catch (const std::exception& e) {
    Q_EMIT decoded(tag, {}, QString::fromUtf8(e.what()).section('\n', 0, 0));
  }
}

GenerationWorker::RunThreads::RunThreads(int threads) : previous_(at::get_num_threads()) {
  if (threads > 0 && threads != previous_) {
    at::set_num_threads(threads);  // this thread's count (and the default for threads started later)
  } else {
    previous_ = 0;
  }
}

GenerationWorker::RunThreads::~RunThreads() {
  if (previous_ > 0) at::set_num_threads(previous_);
}

void GenerationWorker::execute(quint64 id, const Request& request, const CancelToken& cancel) {
  RunHooks hooks;
  hooks.keep_history = true;  // the app keeps every step: the memory check counts them
  int last_percent = -1;
  hooks.load_progress = [&](uint64_t done, uint64_t total) {
    const int percent = total ? int(100 * done / total) : 100;
    if (percent != last_percent) Q_EMIT loadProgress(id, percent / 100.0);
    last_percent = percent;
  };
  std::optional<RunThreads> threads;
  ModelBundle* model = nullptr;
  at::Tensor context;  // the prompt's conditioning, for the training images a model weighs
  QString approximation;
  hooks.on_ready = [&](const Plan& plan, ModelBundle& bundle) {
    model = &bundle;
    // Small models (the built-in one) gain nothing from a second intra-op
    // thread, which in the app competes with the UI thread for the other core
    // (30 steps in the window: 0.26–0.31 s on one thread, 0.31–0.57 s on two;
    // bench_ui_latency, docs/PERFORMANCE.md). Larger models keep them all.
    threads.emplace(plan.device.is_cpu() && plan.info.small_operators ? 1 : 0);
    if (plan.info.weighs_training_images) context = bundle.encode_prompt(request.prompt).to(plan.device);
    if (plan.info.preview != PreviewMethod::Exact) approximation = QString::fromStdString(plan.info.preview_note);
    Q_EMIT runStarted(id, make_plan(plan, bundle));
  };

  CandidateImages candidate_images;
  ChainPathRecorder path;  // image 0's, for the path plot when the run ends
  hooks.on_step = [&](const StepEvent& event) {
    cancel.throw_if_cancelled();
    StepFrame frame;
    frame.index = event.index;
    frame.total = event.total;
    frame.t = event.t;
    frame.sigma = event.sigma;
    frame.alpha_bar = event.alpha_bar;
    frame.elapsed = event.elapsed;
    // One preview call for both (a latent model's decoder is the cost here;
    // Stable Diffusion's is a cheap projection, its VAE runs on demand).
    const int64_t batch = event.x_t.size(0);
    // Everything the frame shows comes back from a GPU together, through
    // pinned memory: the worker waits for the GPU once per step.
    const std::vector<at::Tensor> host =
        cuda::to_host({model->preview(at::cat({event.x_t, event.x0})), event.eps, event.x_t, event.x0});
    const at::Tensor &decoded = host[0], &eps = host[1], &x_t = host[2], &x0 = host[3];
    if (!approximation.isEmpty()) {
      frame.approximate = true;
      frame.approximation = approximation;
      frame.xt_latent = x_t.clone();
      frame.x0_latent = x0.clone();
    }
    frame.xt = batch_image(decoded.narrow(0, 0, batch));
    frame.x0 = batch_image(decoded.narrow(0, batch, batch));
    frame.eps = noise_image(eps);
    frame.latents = channel_tiles(x_t);
    frame.word_maps = event.word_maps;
    std::optional<double> entropy;
    if (context.defined()) entropy = add_candidates(*model, event, context, candidate_images, frame);
    StepEvent on_host = event;  // the copies made above, not another transfer from a GPU
    on_host.x_t = x_t;
    on_host.x0 = x0;
    on_host.eps = eps;
    path.add(on_host, entropy);
    Q_EMIT stepReady(id, frame);
  };
  // One call: plan (the memory check before any multi-GB load), load, run.
  const Result result = pipeline_.run(request, hooks, cancel);

  RunOutcome outcome;
  outcome.request = result.request;
  outcome.info = result.info;
  for (int64_t i = 0; i < result.images.size(0); ++i) outcome.images.push_back(image_from_hwc(result.images[i]));
  outcome.final_x0 = batch_image(result.images.permute({0, 3, 1, 2}).to(at::kFloat) / 127.5 - 1.0);
  outcome.device = QString::fromStdString(result.device);
  outcome.seconds = result.seconds;
  outcome.path = path.finish(result.samples);
  Q_EMIT runFinished(id, outcome);
}

}  // namespace diffscope::ui
