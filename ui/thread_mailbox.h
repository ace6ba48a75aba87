#pragma once
// Hands closures to the thread this object lives on, in order. Qt's queued
// connections do the same, but they synchronise inside libQt6Core, which
// ThreadSanitizer cannot see into (Debian's Qt is not instrumented): every
// payload that crossed them looked like a data race. Here the payload crosses
// a std::mutex, which TSan understands, and Qt's queue carries only the
// wake-up — so the TSan run of the worker tests (scripts/sanitize.sh thread)
// reports real races only.
#include <QElapsedTimer>
#include <QObject>

#include <functional>
#include <mutex>
#include <vector>

namespace diffscope::ui {

class ThreadMailbox : public QObject {
  Q_OBJECT

 public:
  // slice_ms > 0: a backlog runs in slices of about that long, with the
  // event loop running between them (the UI's mailbox: a receiver that fell
  // behind a fast worker catches up without blocking the UI for the whole
  // backlog). 0: everything due runs in one go (the worker's mailbox, whose
  // closures are whole runs, and which must run all that was posted before
  // its thread is asked to quit).
  explicit ThreadMailbox(QObject* parent = nullptr, qint64 slice_ms = 0) : QObject(parent), slice_ms_(slice_ms) {}

  // Any thread: `work` runs on this object's thread, after what was posted before.
  void post(std::function<void()> work) {
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(work));
      // One wake-up for a whole backlog: a wake-up per closure would queue as
      // many deliveries, which Qt runs back to back in one pass.
      wake = !wake_pending_;
      wake_pending_ = true;
    }
    if (wake) QMetaObject::invokeMethod(this, "deliver", Qt::QueuedConnection);
  }

 private:
  // Runs what is due (for about slice_ms_, then the event loop has its turn
  // before the rest). Order is kept: the rest runs before anything posted later.
  Q_INVOKABLE void deliver() {
    QElapsedTimer clock;
    clock.start();
    for (;;) {
      if (next_ >= due_.size()) {
        due_.clear();
        next_ = 0;
        std::lock_guard lock(mutex_);
        due_.swap(queue_);
        wake_pending_ = false;  // what is posted from now on needs a new wake-up
        if (due_.empty()) return;
      }
      auto work = std::move(due_[next_++]);
      work();
      if (slice_ms_ > 0 && clock.elapsed() >= slice_ms_ && next_ < due_.size()) {
        // The rest after the event loop's turn (what is posted meanwhile has its own wake-up).
        QMetaObject::invokeMethod(this, "deliver", Qt::QueuedConnection);
        return;
      }
    }
  }

  const qint64 slice_ms_;
  std::mutex mutex_;
  std::vector<std::function<void()>> queue_;  // posted, not yet taken (any thread, under mutex_)
  bool wake_pending_ = false;                 // a delivery is queued for queue_ (under mutex_)
  std::vector<std::function<void()>> due_;    // taken (this object's thread only)
  size_t next_ = 0;                           // the next of due_ to run
};

}  // namespace diffscope::ui
