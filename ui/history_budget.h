#pragma once
// How much of the steps the app's history keeps. Every step of a run holds
// its previews and latents (at 512² Stable Diffusion several MB), so older
// runs let go of their steps, newest kept first, once the history holds more
// than a budget set from the memory the machine has. A run's result and
// settings are always kept.
#include <QVector>
#include <cstdint>

#include "ui/run_record.h"

namespace diffscope::ui {

// The bytes a step holds: its images, latents and word maps.
int64_t step_frame_bytes(const StepFrame& frame);
int64_t run_steps_bytes(const RunRecord& record);

// A quarter of the memory available when asked, within 256 MB – 4 GB
// (1 GB where the system does not say).
int64_t history_budget_bytes();

// Keeps the steps of the newest runs (up to and including `newest`) within
// `budget`; `newest` keeps its own whatever their size. Older runs' steps are
// cleared, and marked so (RunRecord::steps_dropped). Returns how many runs
// were trimmed by this call.
int trim_history(QVector<RunRecord>& records, int newest, int64_t budget);

}  // namespace diffscope::ui
