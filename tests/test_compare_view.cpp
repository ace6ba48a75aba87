// Runs side by side: the alignment by step and by σ, the difference image,
// and the view in the real window fed from the history.
#include "ui/compare_view.h"

#include <gtest/gtest.h>

#include <QSignalSpy>

#include "tests/support/ui_test_support.h"
#include "ui/controls_panel.h"
#include "ui/history_panel.h"
#include "ui/main_window.h"

using namespace diffscope;
using namespace diffscope::ui;

namespace {

void run(MainWindow& window, const Request& request) {
  window.controls()->apply(request);
  QSignalSpy ended(&window, &MainWindow::runEnded);
  window.generate();
  ASSERT_TRUE(ended.wait(60000)) << "the run did not end";
  ASSERT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();
}

}  // namespace

TEST(CompareView, NearestStepIsNearestInLogSigma) {
  const std::vector<double> sigmas = {80, 20, 5, 1, 0.2, 0};
  EXPECT_EQ(nearest_step(sigmas, 80), 0);
  EXPECT_EQ(nearest_step(sigmas, 11), 1);   // log: 11 is nearer 20 than 5
  EXPECT_EQ(nearest_step(sigmas, 2.5), 2);  // in log σ nearer 5 than 1
  EXPECT_EQ(nearest_step(sigmas, 2.1), 3);  // and this one nearer 1
  EXPECT_EQ(nearest_step(sigmas, 0), 5);
  EXPECT_EQ(nearest_step({}, 1), -1);
}

TEST(CompareView, DifferenceIsZeroForEqualImagesAndScaledOtherwise) {
  QImage a(4, 2, QImage::Format_RGB888);
  a.fill(QColor(100, 100, 100));
  QImage b = a;
  double mean = -1;
  const QImage same = difference_image(a, b, &mean);
  EXPECT_EQ(mean, 0.0);
  EXPECT_EQ(same.pixelColor(0, 0), QColor(0, 0, 0));
  b.fill(QColor(110, 100, 40));
  const QImage differ = difference_image(a, b, &mean);
  EXPECT_NEAR(mean, (10 + 0 + 60) / 3.0, 1e-9);
  EXPECT_EQ(differ.pixelColor(1, 1), QColor(40, 0, 240));  // four times brighter, clamped at 255
}

TEST(CompareView, OneScrubberDrivesRunsAlignedByStepOrSigma) {
  MainWindow window;
  Request six = support::small_request("cat", 6);
  run(window, six);
  Request twelve = six;
  twelve.steps = 12;
  run(window, twelve);
  run(window, six);  // the same settings again: no difference
  window.compareRuns({0, 1, 2});
  CompareView* view = window.compareView();
  ASSERT_EQ(view->runCount(), 3);
  const auto& records = window.records();

  view->setAlignment(CompareAlignment::Step);
  view->setMode(PreviewMode::Xt);
  view->setPosition(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(view->shownStep(i), 3) << i;
  EXPECT_EQ(view->shownImage(0), records[0].frames[3].xt);
  EXPECT_EQ(view->shownImage(1), records[1].frames[3].xt);
  view->setPosition(10);  // past the six-step runs' end: they show their last step
  EXPECT_EQ(view->shownStep(0), 5);
  EXPECT_EQ(view->shownStep(1), 10);

  view->setAlignment(CompareAlignment::Sigma);
  view->setPosition(3);  // the first run's σ at its step 4
  const double sigma = records[0].frames[3].sigma;
  const int matched = view->shownStep(1);
  for (int k = 0; k < 12; ++k) {
    EXPECT_LE(std::abs(std::log(records[1].frames[matched].sigma / sigma)),
              std::abs(std::log(records[1].frames[k].sigma / sigma)) + 1e-12)
        << k;
  }

  // Identical runs differ by nothing at any step; the same seed starts from
  // the same x_T, and the chains part after it.
  view->setDifference(0, 2);
  for (int position : {0, 2, 5}) {
    view->setPosition(position);
    EXPECT_TRUE(view->differenceText().contains("mean 0.00")) << view->differenceText().toStdString();
  }
  view->setAlignment(CompareAlignment::Step);
  view->setDifference(0, 1);
  view->setPosition(0);
  EXPECT_TRUE(view->differenceText().contains("mean 0.00")) << view->differenceText().toStdString();
  view->setPosition(3);
  EXPECT_FALSE(view->differenceText().contains("mean 0.00")) << view->differenceText().toStdString();
  EXPECT_FALSE(view->differenceShown().isNull());
}

TEST(CompareView, FewerThanTwoRunsIsAMessage) {
  MainWindow window;
  run(window, support::small_request("cat", 4));
  window.compareRuns({0});
  EXPECT_TRUE(window.lastMessage().contains("two to four")) << window.lastMessage().toStdString();
  window.history()->selectAll();
  EXPECT_EQ(window.history()->selectedRuns(), QList<int>{0});
}
