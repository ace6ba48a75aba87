// The history's memory bound: a step's bytes are its images, latents and word
// maps; the newest runs keep their steps within the budget, older ones let go
// of theirs and say so (in the window, and at the end of a grid too large to
// keep every chain).
#include "ui/history_budget.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <QSignalSpy>

#include "tests/support/ui_test_support.h"
#include "ui/controls_panel.h"
#include "ui/grid_view.h"
#include "ui/main_window.h"

using namespace diffscope;
using namespace diffscope::ui;

namespace {

StepFrame frame_of(int side) {
  StepFrame frame;
  frame.xt = QImage(side, side, QImage::Format_RGB888);
  frame.x0 = QImage(side, side, QImage::Format_RGB888);
  frame.xt_latent = at::zeros({1, 4, side / 8, side / 8});
  return frame;
}

RunRecord run_of(int steps, int side) {
  RunRecord record;
  for (int i = 0; i < steps; ++i) record.frames.push_back(frame_of(side));
  return record;
}

}  // namespace

TEST(HistoryBudget, AStepCountsItsImagesAndLatents) {
  const StepFrame frame = frame_of(64);
  const int64_t images = 2 * QImage(64, 64, QImage::Format_RGB888).sizeInBytes();
  EXPECT_EQ(step_frame_bytes(frame), int64_t(sizeof(StepFrame)) + images + 4 * 8 * 8 * 4);
  EXPECT_EQ(run_steps_bytes(run_of(3, 64)), 3 * step_frame_bytes(frame));
}

TEST(HistoryBudget, TheNewestRunsKeepTheirSteps) {
  QVector<RunRecord> records = {run_of(10, 64), run_of(10, 64), run_of(10, 64), run_of(10, 64)};
  const int64_t run = run_steps_bytes(records[0]);
  EXPECT_EQ(trim_history(records, 3, 2 * run), 2);  // the two newest fit
  EXPECT_TRUE(records[0].frames.isEmpty() && records[0].steps_dropped);
  EXPECT_TRUE(records[1].frames.isEmpty() && records[1].steps_dropped);
  EXPECT_EQ(records[2].frames.size(), 10);
  EXPECT_FALSE(records[3].steps_dropped);
  // The newest keeps its steps however small the budget.
  EXPECT_EQ(trim_history(records, 3, 1), 1);
  EXPECT_EQ(records[3].frames.size(), 10);
  EXPECT_TRUE(records[2].steps_dropped);
  EXPECT_GE(history_budget_bytes(), int64_t(256) << 20);
  EXPECT_LE(history_budget_bytes(), int64_t(4096) << 20);
}

// A grid whose chains do not fit keeps every cell's image and settings, the
// newest cells' chains, and says which were let go — before and after.
TEST(HistoryBudget, AGridTooLargeForTheBudgetSaysSo) {
  MainWindow window;
  window.controls()->apply(support::small_request("cat", 4));
  window.setHistoryBudget(1);
  QSignalSpy ended(&window, &MainWindow::gridEnded);
  ASSERT_TRUE(window.runGrid(parse_grid_axis("seed=1-3"), std::nullopt, std::nullopt));
  ASSERT_TRUE(ended.wait(60000));
  ASSERT_EQ(window.records().size(), 3);
  EXPECT_TRUE(window.records()[0].steps_dropped && window.records()[0].frames.isEmpty());
  EXPECT_TRUE(window.records()[1].steps_dropped);
  EXPECT_FALSE(window.records()[2].steps_dropped);
  EXPECT_FALSE(window.records()[2].frames.isEmpty());
  for (const RunRecord& record : window.records()) EXPECT_TRUE(record.finished());
  EXPECT_TRUE(window.gridView()->status().contains("first 2 cells' steps were let go"))
      << window.gridView()->status().toStdString();
  window.restoreRun(0);
  EXPECT_TRUE(window.lastMessage().contains("Generate runs it again")) << window.lastMessage().toStdString();
}
