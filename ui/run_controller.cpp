#include "ui/run_controller.h"

namespace diffscope::ui {

RunController::RunController(QObject* parent) : QObject(parent), worker_(new GenerationWorker) {
  qRegisterMetaType<StepFrame>();
  qRegisterMetaType<RunPlan>();
  qRegisterMetaType<RunOutcome>();
  thread_.setObjectName("diffscope-worker");
  worker_->moveToThread(&thread_);

  // Queued: these arrive on this (the UI) thread, in the order they were sent.
  connect(worker_, &GenerationWorker::runStarted, this, [this](quint64 id, const RunPlan& plan) {
    if (id == active_) Q_EMIT started(plan);
  });
  connect(worker_, &GenerationWorker::stepReady, this, [this](quint64 id, const StepFrame& frame) {
    if (id == active_) Q_EMIT step(frame);
  });
  connect(worker_, &GenerationWorker::runFinished, this, [this](quint64 id, const RunOutcome& outcome) {
    const bool wanted = id == active_;
    if (wanted) active_ = 0;
    if (wanted) Q_EMIT finished(outcome);
    worker_returned();
  });
  connect(worker_, &GenerationWorker::runFailed, this, [this](quint64 id, const QString& message) {
    const bool wanted = id == active_;
    if (wanted) active_ = 0;
    if (wanted) Q_EMIT failed(message);
    worker_returned();
  });
  connect(worker_, &GenerationWorker::runCancelled, this, [this](quint64 id) {
    const bool wanted = id == active_;
    if (wanted) active_ = 0;
    if (wanted) Q_EMIT cancelled();
    worker_returned();
  });
  thread_.start();
}

RunController::~RunController() { shutdown(); }

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

void RunController::launch(const Request& request) {
  const quint64 id = ++next_id_;
  active_ = id;
  worker_busy_ = true;
  token_ = CancelToken();
  GenerationWorker* worker = worker_;
  const CancelToken token = token_;
  QMetaObject::invokeMethod(worker, [worker, id, request, token] { worker->run(id, request, token); },
                            Qt::QueuedConnection);
}

void RunController::worker_returned() {
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
  pending_.reset();
  if (!worker_busy_) return;
  token_.cancel();
  if (active_ != 0) {
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
  delete worker_;
  worker_ = nullptr;
}

}  // namespace diffscope::ui
