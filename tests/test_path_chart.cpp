// The path plot under the chain, in the real window with the real worker:
// filled when a run ends (the oracle: with its entropy), marking the shown
// step, cleared while a run goes, and showing a history entry's own path.
#include "ui/path_chart.h"

#include <gtest/gtest.h>

#include <QSignalSpy>

#include "tests/support/ui_test_support.h"
#include "ui/controls_panel.h"
#include "ui/main_window.h"
#include "ui/preview_panel.h"

using namespace diffscope;
using namespace diffscope::ui;


TEST(PathChart, ARunsPathIsDrawnWhenItEndsAndTheHistoryKeepsEach) {
  MainWindow window;
  PathChart* chart = window.pathChart();
  EXPECT_TRUE(chart->path().steps.empty());
  window.controls()->apply(support::small_request("cat", 8));
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  ASSERT_EQ(chart->path().steps.size(), 8u);
  EXPECT_TRUE(chart->path().steps.front().posterior_entropy.has_value());  // the oracle
  EXPECT_GE(chart->path().step_90, 0);
  EXPECT_TRUE(chart->summary().contains("90 %")) << chart->summary().toStdString();
  EXPECT_TRUE(chart->summary().contains("entropy")) << chart->summary().toStdString();
  EXPECT_EQ(chart->path().steps.back().change_done, 1.0);

  // A second run, of another length, on the built-in model (no posterior).
  Request other;
  other.prompt = "red apple";
  other.steps = 5;
  other.seed = 2;
  window.controls()->apply(other);
  QSignalSpy ended(&window, &MainWindow::runEnded);
  window.generate();
  EXPECT_TRUE(chart->path().steps.empty()) << "the old run's path stayed up during the new run";
  ASSERT_TRUE(ended.wait(60000));
  ASSERT_EQ(chart->path().steps.size(), 5u);
  EXPECT_FALSE(chart->path().steps.front().posterior_entropy.has_value());
  EXPECT_FALSE(chart->summary().contains("entropy"));

  window.restoreRun(0);  // the first run, from the history
  EXPECT_EQ(chart->path().steps.size(), 8u);
  window.preview()->showStep(2);  // scrubbing moves the marker without a redraw
  EXPECT_EQ(chart->path().steps.size(), 8u);
}
