#include "ui/generation_worker.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <QStringList>

#include <unordered_map>

#include "core/common/errors.h"
#include "core/common/runtime.h"
#include "core/models/oracle_bundle.h"
#include "core/models/sd/sd_bundle.h"
#include "core/pipeline/memory_estimate.h"
#include "ui/tensor_image.h"

namespace diffscope::ui {
namespace {

RunPlan make_plan(const Request& request, const ModelBundle& bundle, const QString& device) {
  RunPlan plan;
  plan.request = request;
  plan.sigmas = Pipeline::sigmas_for(request, bundle);
  const NoiseSchedule& schedule = bundle.schedule();
  for (size_t i = 0; i + 1 < plan.sigmas.size(); ++i) plan.timesteps.push_back(schedule.t_at(plan.sigmas[i]));
  for (int t = 0; t < schedule.steps(); ++t) plan.schedule_alpha_bar.push_back(schedule.alpha_bar(t));
  plan.device = device;
  return plan;
}

// Set images already shown in this run, so that steps share one QImage each.
using CandidateImages = std::unordered_map<int, QImage>;

QVector<Candidate> top_candidates(OracleBundle& oracle, const StepEvent& event, const at::Tensor& context,
                                  CandidateImages& images) {
  const at::Tensor weights = oracle.oracle().weights(event.x_t.narrow(0, 0, 1), event.t, context)[0];
  const auto [values, indices] = weights.topk(std::min<int64_t>(GenerationWorker::kCandidates, weights.size(0)));
  const at::Tensor v = values.to(at::kCPU, at::kDouble), ix = indices.to(at::kCPU);
  QVector<Candidate> out;
  for (int64_t k = 0; k < v.size(0); ++k) {
    Candidate c;
    c.index = int(ix[k].item<int64_t>());
    c.weight = v[k].item<double>();
    if (c.weight <= 0) break;  // excluded by the prompt
    auto found = images.find(c.index);
    if (found == images.end()) {
      found = images.emplace(c.index, batch_image(oracle.oracle().image(c.index).unsqueeze(0))).first;
    }
    c.image = found->second;
    c.caption = QString::fromStdString(oracle.captions().at(size_t(c.index)));
    out.push_back(std::move(c));
  }
  return out;
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

QString describe_model(ModelBundle& bundle) {
  auto* sd_model = dynamic_cast<SdBundle*>(&bundle);
  if (!sd_model) return QString::fromStdString(bundle.name());
  const QString prediction = sd_model->prediction() == Prediction::V ? "v" : "ε";
  return QString("%1 · %2 · %3-prediction (%4) · %5")
      .arg(QString::fromStdString(bundle.name()), QString::fromStdString(sd::family_name(sd_model->info().family)),
           prediction, QString::fromStdString(sd_model->prediction_source()),
           QString::fromStdString(at::toString(sd_model->compute_type())));
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
  // The app keeps every step, so it checks with the history included.
  if (const auto available = available_memory_bytes()) {
    check_memory(estimate_run_memory(request, /*keep_history=*/true), *available);
  }
  int last_percent = -1;
  pipeline_.set_load_progress([&](uint64_t done, uint64_t total) {
    const int percent = total ? int(100 * done / total) : 100;
    if (percent != last_percent) Q_EMIT loadProgress(id, percent / 100.0);
    last_percent = percent;
  });
  ModelBundle& bundle = pipeline_.prepare(request, cancel);  // loads on first use
  pipeline_.set_load_progress({});
  cancel.throw_if_cancelled();
  const c10::Device device = resolve_device(request.device);
  // Small models (the built-in one) gain nothing from a second intra-op
  // thread, which in the app competes with the UI thread for the other core
  // (30 steps in the window: 0.26–0.31 s on one thread, 0.31–0.57 s on two;
  // bench_ui_latency, docs/PERFORMANCE.md). Larger models keep them all.
  const RunThreads threads(device.is_cpu() && bundle.small_operators() ? 1 : 0);
  auto* oracle = dynamic_cast<OracleBundle*>(&bundle);
  const at::Tensor oracle_context = oracle ? oracle->encode_prompt(request.prompt).to(device) : at::Tensor();
  RunPlan plan = make_plan(request, bundle, QString::fromStdString(describe_device(device)));
  plan.oracle = oracle != nullptr;
  plan.model_info = describe_model(bundle);
  Q_EMIT runStarted(id, plan);
  const QString approximation = QString::fromStdString(bundle.preview_note());

  CandidateImages candidate_images;
  const auto on_step = [&](const StepEvent& event) {
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
    const at::Tensor decoded = bundle.preview(at::cat({event.x_t, event.x0}));
    if (!approximation.isEmpty()) {
      frame.approximate = true;
      frame.approximation = approximation;
      frame.xt_latent = event.x_t.to(at::kCPU).clone();
      frame.x0_latent = event.x0.to(at::kCPU).clone();
    }
    frame.xt = batch_image(decoded.narrow(0, 0, batch));
    frame.x0 = batch_image(decoded.narrow(0, batch, batch));
    frame.eps = noise_image(event.eps);
    frame.latents = channel_tiles(event.x_t);
    if (oracle) {
      frame.candidates = top_candidates(*oracle, event, oracle_context, candidate_images);
    }
    Q_EMIT stepReady(id, frame);
  };
  const Result result = pipeline_.run(request, on_step, cancel);

  RunOutcome outcome;
  outcome.request = result.request;
  for (int64_t i = 0; i < result.images.size(0); ++i) outcome.images.push_back(image_from_hwc(result.images[i]));
  outcome.final_x0 = batch_image(result.images.permute({0, 3, 1, 2}).to(at::kFloat) / 127.5 - 1.0);
  outcome.device = QString::fromStdString(result.device);
  outcome.seconds = result.seconds;
  Q_EMIT runFinished(id, outcome);
}

}  // namespace diffscope::ui
