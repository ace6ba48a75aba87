#include "ui/run_controller.h"

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace diffscope::ui {
namespace {

// Runs on the worker thread before its first tensor operation, so that the
// compute threads LibTorch starts from it inherit the lower priority: on a
// 2-core machine they would otherwise keep the UI thread waiting for a time
// slice (measured: p99 event-loop gap 10 ms → see docs/PERFORMANCE.md).
// Linux keeps nice values per thread; QThread's priorities do nothing there.
void lower_current_thread_priority() {
#ifdef __linux__
  constexpr int kWorkerNice = 5;
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kWorkerNice);
#endif
}

// The worker's events reach the UI in slices of at most this long, so that a
// backlog of steps never blocks the UI for more than a frame (60 Hz).
constexpr qint64 kUiSliceMs = 8;

}  // namespace

RunController::RunController(QObject* parent)
    : QObject(parent),
      worker_(new GenerationWorker),
      to_worker_(new ThreadMailbox(worker_)),
      to_ui_(new ThreadMailbox(this, kUiSliceMs)) {
  qRegisterMetaType<StepFrame>();
  qRegisterMetaType<RunPlan>();
  qRegisterMetaType<RunOutcome>();
  thread_.setObjectName("diffscope-worker");
  worker_->moveToThread(&thread_);

  // The worker's signals are taken on its own thread and handed to this (the
  // UI) thread through a mailbox, in the order they were sent.
  auto on_worker = [this](auto signal, auto handler) {
    connect(worker_, signal, this, handler, Qt::DirectConnection);
  };
  on_worker(&GenerationWorker::runStarted, [this](quint64 id, const RunPlan& plan) {
    to_ui_->post([this, id, plan] {
      if (id == active_) Q_EMIT started(plan);
    });
  });
  on_worker(&GenerationWorker::stepReady, [this](quint64 id, const StepFrame& frame) {
    to_ui_->post([this, id, frame] {
      if (id == active_) Q_EMIT step(frame);
    });
  });
  on_worker(&GenerationWorker::loadProgress, [this](quint64 id, double fraction) {
    to_ui_->post([this, id, fraction] {
      if (id == active_) Q_EMIT loadProgress(fraction);
    });
  });
  on_worker(&GenerationWorker::decoded, [this](quint64 tag, const QImage& image, const QString& error) {
    to_ui_->post([this, tag, image, error] { Q_EMIT decoded(tag, image, error); });
  });
  on_worker(&GenerationWorker::runFinished, [this](quint64 id, const RunOutcome& outcome) {
    to_ui_->post([this, id, outcome] {
      if (endIfActive(id)) Q_EMIT finished(outcome);
      workerReturned();
    });
  });
  on_worker(&GenerationWorker::runFailed, [this](quint64 id, const QString& message) {
    to_ui_->post([this, id, message] {
      if (endIfActive(id)) Q_EMIT failed(message);
      workerReturned();
    });
  });
  on_worker(&GenerationWorker::runCancelled, [this](quint64 id) {
    to_ui_->post([this, id] {
      if (endIfActive(id)) Q_EMIT cancelled();
      workerReturned();
    });
  });
  // The thread's last act: what it did happens before shutdown() deletes the worker.
  connect(
      &thread_, &QThread::finished, this, [this] { std::lock_guard lock(thread_end_); }, Qt::DirectConnection);
  connect(&thread_, &QThread::started, worker_, &lower_current_thread_priority, Qt::DirectConnection);
  thread_.start();
}

RunController::~RunController() { shutdown(); }

bool RunController::endIfActive(quint64 id) {
  if (id != active_) return false;
  active_ = 0;
  return true;
}

void RunController::start(const Request& request) {
  if (!worker_) return;  // shut down
  if (worker_busy_) {
    // The old run's remaining events are dropped from now on; the new one
    // starts when the worker returns.
    token_.cancel();
    active_ = 0;
    pending_ = request;
    return;
  }
  launch(request);
}

quint64 RunController::decode(const Request& request, const at::Tensor& latents) {
  if (!worker_) return 0;
  const quint64 tag = ++next_decode_;
  GenerationWorker* worker = worker_;
  to_worker_->post([worker, tag, request, latents] { worker->decode(tag, request, latents); });
  return tag;
}

void RunController::launch(const Request& request) {
  const quint64 id = ++next_id_;
  active_ = id;
  worker_busy_ = true;
  token_ = CancelToken();
  GenerationWorker* worker = worker_;
  const CancelToken token = token_;
  to_worker_->post([worker, id, request, token] { worker->run(id, request, token); });
}

void RunController::workerReturned() {
  worker_busy_ = false;
  if (pending_) {
    const Request next = *pending_;
    pending_.reset();
    launch(next);
    return;
  }
  Q_EMIT idle();
}

void RunController::cancel() {
  // A run asked for while the old one was still returning is cancelled too:
  // the view started it and waits for its end (found by test_run_stress).
  const bool dropped_pending = pending_.has_value();
  pending_.reset();
  if (!worker_busy_) return;
  token_.cancel();
  if (active_ != 0 || dropped_pending) {
    active_ = 0;
    Q_EMIT cancelled();
  }
}

void RunController::shutdown() {
  if (!thread_.isRunning()) return;
  pending_.reset();
  active_ = 0;
  token_.cancel();
  thread_.quit();
  thread_.wait();
  { std::lock_guard lock(thread_end_); }  // the thread's end, as ThreadSanitizer can see it
  delete worker_;  // and its mailbox
  worker_ = nullptr;
  to_worker_ = nullptr;
}

}  // namespace diffscope::ui
