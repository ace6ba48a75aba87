#pragma once
// A cancel flag shared between the thread that runs a generation and the thread
// that wants to stop it. Copies share one flag, so a worker can hand a copy to
// the engine and keep one to trigger.
#include <atomic>
#include <memory>

#include "core/common/errors.h"

namespace diffscope {

class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}

  void cancel() const { flag_->store(true, std::memory_order_relaxed); }
  bool cancelled() const { return flag_->load(std::memory_order_relaxed); }
  // Called between steps and between network blocks.
  void throw_if_cancelled() const {
    if (cancelled()) throw Cancelled();
  }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace diffscope
