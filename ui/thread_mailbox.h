#pragma once
// Hands closures to the thread this object lives on, in order. Qt's queued
// connections do the same, but they synchronise inside libQt6Core, which
// ThreadSanitizer cannot see into (Debian's Qt is not instrumented): every
// payload that crossed them looked like a data race. Here the payload crosses
// a std::mutex, which TSan understands, and Qt's queue carries only the
// wake-up — so the TSan run of the worker tests (scripts/sanitize.sh thread)
// reports real races only.
#include <QObject>

#include <functional>
#include <mutex>
#include <vector>

namespace diffscope::ui {

class ThreadMailbox : public QObject {
  Q_OBJECT

 public:
  explicit ThreadMailbox(QObject* parent = nullptr) : QObject(parent) {}

  // Any thread: `work` runs on this object's thread, after what was posted before.
  void post(std::function<void()> work) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(work));
    }
    QMetaObject::invokeMethod(this, "deliver", Qt::QueuedConnection);
  }

 private:
  Q_INVOKABLE void deliver() {
    std::vector<std::function<void()>> due;
    {
      std::lock_guard lock(mutex_);
      due.swap(queue_);
    }
    for (auto& work : due) work();
  }

  std::mutex mutex_;
  std::vector<std::function<void()>> queue_;
};

}  // namespace diffscope::ui
