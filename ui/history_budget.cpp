#include "ui/history_budget.h"

#include <algorithm>

#include "core/common/system_memory.h"

namespace diffscope::ui {
namespace {

int64_t tensor_bytes(const at::Tensor& tensor) { return tensor.defined() ? int64_t(tensor.nbytes()) : 0; }

}  // namespace

int64_t step_frame_bytes(const StepFrame& frame) {
  int64_t bytes = sizeof(StepFrame);
  for (const QImage* image : {&frame.xt, &frame.x0, &frame.eps, &frame.latents}) bytes += image->sizeInBytes();
  for (const Candidate& candidate : frame.candidates) bytes += candidate.image.sizeInBytes();
  bytes += tensor_bytes(frame.xt_latent) + tensor_bytes(frame.x0_latent);
  if (frame.word_maps) bytes += tensor_bytes(frame.word_maps->maps);
  return bytes;
}

int64_t run_steps_bytes(const RunRecord& record) {
  int64_t bytes = 0;
  for (const StepFrame& frame : record.frames) bytes += step_frame_bytes(frame);
  return bytes;
}

int64_t history_budget_bytes() {
  constexpr int64_t kMegabyte = 1024 * 1024;
  const auto available = available_memory_bytes();
  if (!available) return 1024 * kMegabyte;
  return std::clamp<int64_t>(int64_t(*available / 4), 256 * kMegabyte, 4096 * kMegabyte);
}

int trim_history(QVector<RunRecord>& records, int newest, int64_t budget) {
  int trimmed = 0;
  int64_t kept = 0;
  for (int i = newest; i >= 0; --i) {
    RunRecord& record = records[i];
    if (record.frames.isEmpty()) continue;
    kept += run_steps_bytes(record);
    if (kept > budget && i != newest) {
      record.frames.clear();
      record.frames.squeeze();
      record.steps_dropped = true;
      ++trimmed;
    }
  }
  return trimmed;
}

}  // namespace diffscope::ui
