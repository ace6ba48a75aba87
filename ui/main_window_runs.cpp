// MainWindow's side of the history: restoring a run, branching it, comparing runs.
#include <QStatusBar>
#include <QTabWidget>

#include "core/common/system_memory.h"
#include "core/pipeline/branch_run.h"
#include "core/sampling/sampler.h"
#include "core/text/prompt_schedule.h"
#include "ui/compare_view.h"
#include "ui/controls_panel.h"
#include "ui/main_window.h"
#include "ui/path_chart.h"
#include "ui/preview_panel.h"
#include "ui/schedule_chart.h"

namespace diffscope::ui {

void MainWindow::restoreRun(int index) {
  if (index < 0 || index >= records_.size() || (live_ && index == records_.size() - 1)) return;
  const RunRecord& record = records_[index];
  controls_->apply(record.outcome.request);
  shown_record_ = index;
  preview_->setFrames(record.frames, record.plan.info.weighs_training_images);
  schedule_->setSchedule(record.plan.schedule_alpha_bar, record.plan.timesteps);
  schedule_->setCurrentStep(preview_->shownStep());
  preview_->setStepPrompts(step_prompts(record.plan));
  if (record.plan.request.branch) {
    preview_->setSharedPrefix(record.plan.request.branch->at_step, record.parent_record >= 0
                                                                       ? tr("run %1").arg(record.parent_record + 1)
                                                                       : tr("the parent run"));
  }
  path_->setPath(record.outcome.path);
  path_->setCurrentStep(preview_->shownStep());
  if (record.steps_dropped) {
    showMessage(tr("Restored the settings of run %1. Its steps were let go to keep the history within %2 of memory "
                   "(newest runs first); Generate runs it again, step by step.")
                    .arg(index + 1)
                    .arg(QString::fromStdString(format_bytes(uint64_t(history_budget_)))),
                false);
    return;
  }
  showMessage(tr("Restored the settings of run %1.").arg(index + 1), false);
}

QStringList MainWindow::step_prompts(const RunPlan& plan) {
  const Request& request = plan.request;
  if (!request.branch && !has_prompt_schedule(request.prompt)) return {};
  const int run_steps = static_cast<int>(plan.sigmas.size()) - 1;
  const std::vector<ChainSegment> segments = chain_segments(with_parent_settings(request), run_steps);
  QStringList lines;
  for (const std::vector<CallConditioning>& calls : call_conditioning(segments, plan.sigmas)) {
    if (calls.empty()) {
      lines.push_back(QString());
      continue;
    }
    QString line = tr("prompt: “%1”").arg(QString::fromStdString(calls.front().prompt));
    // Prompt editing counts model calls: a Heun step's corrector may read the next prompt.
    if (calls.size() > 1 && calls.back().prompt != calls.front().prompt) {
      line += tr(", then “%1” for its second model call").arg(QString::fromStdString(calls.back().prompt));
    }
    lines.push_back(line);
  }
  return lines;
}

void MainWindow::branchAt(int step) {
  const RunRecord* record = shownRecord();
  if (record == nullptr || !record->finished() || step < 0 || step >= record->frames.size() || running()) return;
  controls_->apply(record->outcome.request);
  pending_branch_ = BranchPoint{std::make_shared<const Request>(record->outcome.request), step};
  branch_parent_ = shown_record_;
  showMessage(tr("Branching run %1 at step %2: change the prompt, negative prompt, CFG, sampler, steps or seed, "
                 "then Generate.")
                  .arg(shown_record_ + 1)
                  .arg(step + 1),
              false);
}

void MainWindow::compareRuns(const QList<int>& indices) {
  QVector<RunRecord> runs;
  QStringList labels;
  for (int index : indices) {
    if (index < 0 || index >= records_.size() || !records_[index].finished() || records_[index].frames.isEmpty()) {
      continue;
    }
    const Request& r = records_[index].outcome.request;
    runs.push_back(records_[index]);
    labels.push_back(tr("run %1: %2 · %3 · %4 steps · seed %5")
                         .arg(index + 1)
                         .arg(QString::fromStdString(r.prompt).section('\n', 0, 0).left(30))
                         .arg(QString::fromStdString(sampler_info(r.sampler).a1111_name))
                         .arg(r.steps)
                         .arg(r.seed));
  }
  if (runs.size() < 2) {
    showMessage(tr("Choose two to four runs in the history (Ctrl-click) whose steps are still kept, then "
                   "Compare side by side."),
                true);
    return;
  }
  compare_->setRuns(runs, labels);
  tabs_->setCurrentWidget(compare_);
}

}  // namespace diffscope::ui
