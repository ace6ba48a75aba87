#pragma once
// Runs generations on its own thread (Qt's Mandelbrot-worker pattern): the UI
// queues run() onto this object's thread and receives one signal per step.
// Every signal carries the run's id so that the controller can drop a stale
// run's events.
#include <QObject>
#include <QString>

#include "core/common/cancel_token.h"
#include "core/pipeline/pipeline.h"
#include "ui/step_frame.h"

namespace diffscope::ui {

class GenerationWorker : public QObject {
  Q_OBJECT

 public:
  explicit GenerationWorker(QObject* parent = nullptr);

  // Runs to the end, a failure or `cancel`; emits exactly one of runFinished,
  // runFailed or runCancelled. Call on the worker's thread.
  void run(quint64 id, const diffscope::Request& request, const diffscope::CancelToken& cancel);

  // Decodes latents with the model `request` names (loading it if another is
  // loaded) and emits decoded(tag, image). Call on the worker's thread.
  void decode(quint64 tag, const diffscope::Request& request, const at::Tensor& latents);

  // How many oracle candidates each step carries.
  static constexpr int kCandidates = 6;

 Q_SIGNALS:
  void runStarted(quint64 id, const diffscope::ui::RunPlan& plan);
  void stepReady(quint64 id, const diffscope::ui::StepFrame& frame);
  void runFinished(quint64 id, const diffscope::ui::RunOutcome& outcome);
  void runFailed(quint64 id, const QString& message);
  void runCancelled(quint64 id);
  // Loading a checkpoint: the fraction of its bytes read so far.
  void loadProgress(quint64 id, double fraction);
  void decoded(quint64 tag, const QImage& image, const QString& error);

 private:
  // This thread's LibTorch intra-op thread count for one run (0: unchanged),
  // put back afterwards.
  class RunThreads {
   public:
    explicit RunThreads(int threads);
    ~RunThreads();
    RunThreads(const RunThreads&) = delete;
    RunThreads& operator=(const RunThreads&) = delete;

   private:
    int previous_;
  };
  void execute(quint64 id, const diffscope::Request& request, const diffscope::CancelToken& cancel);

  diffscope::Pipeline pipeline_;
};

// A LibTorch error as one line a person can act on (CUDA out-of-memory named).
QString describe_torch_error(const std::string& what);

}  // namespace diffscope::ui
