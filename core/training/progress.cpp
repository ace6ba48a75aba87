#include "core/training/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace diffscope::training {

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  const int64_t hours = total / 3600, minutes = total / 60 % 60, secs = total % 60;
  char text[32];
  if (hours > 0) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(hours),
                  static_cast<long long>(minutes), static_cast<long long>(secs));
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(minutes), static_cast<long long>(secs));
  }
  return text;
}

std::string format_progress(const Progress& p, int bar_width) {
  const double fraction = p.total > 0 ? std::clamp(double(p.step) / double(p.total), 0.0, 1.0) : 0.0;
  const int filled = static_cast<int>(fraction * bar_width);
  std::string bar(static_cast<size_t>(bar_width), ' ');
  std::fill_n(bar.begin(), filled, '#');
  if (filled < bar_width && p.step > 0) bar[static_cast<size_t>(filled)] = '>';
  char text[256];
  std::snprintf(text, sizeof text, "%-11s %6lld/%-6lld [%s] %3d%%  loss %.4f  %.3f s/step  ETA %s", p.phase.c_str(),
                static_cast<long long>(p.step), static_cast<long long>(p.total), bar.c_str(),
                static_cast<int>(fraction * 100), p.loss, p.seconds_per_step,
                format_duration(p.seconds_per_step * double(p.total - p.step)).c_str());
  return text;
}

double SmoothedValue::add(double value) {
  value_ = empty_ ? value : weight_ * value_ + (1.0 - weight_) * value;
  empty_ = false;
  return value_;
}

}  // namespace diffscope::training
