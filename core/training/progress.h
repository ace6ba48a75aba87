#pragma once
// The trainer's progress line: phase, step/total, a bar, smoothed loss,
// seconds per step and the time left.
#include <cstdint>
#include <string>

namespace diffscope::training {

struct Progress {
  std::string phase;
  int64_t step = 0;  // steps done
  int64_t total = 0;
  double loss = 0;  // smoothed
  double seconds_per_step = 0;
};

// e.g. "unet  1200/15000 [##>          ]  8%  loss 0.1234  0.21 s/step  ETA 48:18"
std::string format_progress(const Progress& progress, int bar_width = 24);
// "1:02:03" or "48:18" (minutes:seconds under an hour).
std::string format_duration(double seconds);

// Exponential moving average for the shown loss (first value taken as is).
class SmoothedValue {
 public:
  explicit SmoothedValue(double weight = 0.98) : weight_(weight) {}
  double add(double value);
  double value() const { return value_; }

 private:
  double weight_, value_ = 0;
  bool empty_ = true;
};

}  // namespace diffscope::training
