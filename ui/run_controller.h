#pragma once
// Owns the worker thread and decides which run's events reach the view: only
// the active run's. Generate while a run is going cancels it and starts the
// new one as soon as the old call returns; Cancel and shutdown take effect at
// the engine's next check (between steps and between network blocks).
// Every start() ends in exactly one of finished(), failed() or cancelled(),
// unless a later start() replaces it (no signal: the new run follows) or
// shutdown() comes first. tests/test_run_stress.cpp holds it to that.
#include <QObject>
#include <QThread>

#include <mutex>
#include <optional>

#include "core/common/cancel_token.h"
#include "ui/generation_worker.h"
#include "ui/thread_mailbox.h"

namespace diffscope::ui {

class RunController : public QObject {
  Q_OBJECT

 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;

  void start(const diffscope::Request& request);
  // Queues a full decode of latents (after any run in progress); the answer
  // comes as decoded() with the returned tag.
  quint64 decode(const diffscope::Request& request, const at::Tensor& latents);
  void cancel();
  // Cancels and joins the worker thread; called on window close.
  void shutdown();

  bool running() const { return active_ != 0; }
  bool workerBusy() const { return worker_busy_; }
  GenerationWorker* worker() { return worker_; }  // for tests that watch the thread itself

 Q_SIGNALS:
  void started(const diffscope::ui::RunPlan& plan);
  void step(const diffscope::ui::StepFrame& frame);
  void finished(const diffscope::ui::RunOutcome& outcome);
  void failed(const QString& message);
  void loadProgress(double fraction);
  void decoded(quint64 tag, const QImage& image, const QString& error);
  void cancelled();
  // The worker returned from a run (finished, failed or cancelled) and nothing is pending.
  void idle();

 private:
  void launch(const diffscope::Request& request);
  // A run of the worker ended: true when it was the active one (now no longer).
  bool endIfActive(quint64 id);
  void workerReturned();

  QThread thread_;
  GenerationWorker* worker_ = nullptr;  // lives on thread_
  ThreadMailbox* to_worker_ = nullptr;  // a child of worker_: runs on thread_
  ThreadMailbox* to_ui_ = nullptr;      // a child of this
  std::mutex thread_end_;               // held by thread_ as it finishes
  quint64 next_id_ = 0;
  quint64 next_decode_ = 0;
  quint64 active_ = 0;  // 0: no run's events are wanted
  bool worker_busy_ = false;
  diffscope::CancelToken token_;
  std::optional<diffscope::Request> pending_;
};

}  // namespace diffscope::ui
