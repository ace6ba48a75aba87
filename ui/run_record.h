#pragma once
// One generation as the app keeps it: what was asked, every step, the result.
#include <QVector>

#include "ui/step_frame.h"

namespace diffscope::ui {

struct RunRecord {
  RunPlan plan;
  QVector<StepFrame> frames;
  RunOutcome outcome;  // empty images until the run finished
  QString grid_label;  // a grid's cell: its axes' values ("Heun, CFG Scale: 7"); empty otherwise
  int parent_record = -1;  // a branch: the window's record it branched from (-1: none, or not in this session)
  bool steps_dropped = false;  // its steps were let go to bound the history's memory (history_budget.h)
  bool finished() const { return !outcome.images.isEmpty(); }
};

}  // namespace diffscope::ui
