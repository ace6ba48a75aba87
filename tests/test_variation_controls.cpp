// The variation seed box: its request, its restore, and its slider, which
// reruns the shown image's seed with the new strength — alone and in the
// real window with the real worker.
#include "ui/variation_controls.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>

#include "tests/support/ui_test_support.h"
#include "ui/controls_panel.h"
#include "ui/main_window.h"

using namespace diffscope;
using namespace diffscope::ui;


TEST(VariationControls, OffUntilCheckedAndRestoresWhatItShows) {
  VariationControls box;
  EXPECT_FALSE(box.variation().mixes());
  EXPECT_FALSE(box.variation().resizes());
  VariationSeed v;
  v.seed = 1234567890123;
  v.strength = 0.35;
  v.resize_from_width = 512;
  v.resize_from_height = 768;
  box.apply(v);
  EXPECT_TRUE(box.isChecked());
  const VariationSeed shown = box.variation();
  EXPECT_EQ(shown.seed, v.seed);
  EXPECT_DOUBLE_EQ(shown.strength, 0.35);
  EXPECT_EQ(box.strengthSlider()->value(), 35);
  EXPECT_EQ(shown.resize_from_width, 512);
  EXPECT_EQ(shown.resize_from_height, 768);
  box.apply({});
  EXPECT_FALSE(box.isChecked());
  EXPECT_FALSE(box.variation().mixes());
}

TEST(VariationControls, ASliderStepRegeneratesOnceADragOnlyWhenLetGo) {
  VariationControls box;
  box.setChecked(true);
  box.show();
  QSignalSpy regenerate(&box, &VariationControls::regenerateRequested);
  QTest::keyClick(box.strengthSlider(), Qt::Key_PageUp);
  QCoreApplication::processEvents();
  EXPECT_EQ(regenerate.count(), 1);
  EXPECT_NEAR(box.variation().strength, 0.1, 1e-9);
  // Dragging moves the value without a run until the slider is let go.
  QSlider* slider = box.strengthSlider();
  slider->setSliderDown(true);
  slider->setSliderPosition(60);
  slider->triggerAction(QAbstractSlider::SliderMove);
  QCoreApplication::processEvents();
  EXPECT_EQ(regenerate.count(), 1);
  EXPECT_NEAR(box.variation().strength, 0.6, 1e-9);
  slider->setSliderDown(false);  // emits sliderReleased
  QCoreApplication::processEvents();
  EXPECT_EQ(regenerate.count(), 2);
}

// With "Random" seeds on, the slider still reruns the seed of the image on
// screen: the point is to watch that image drift towards the variation seed's.
TEST(VariationControls, TheSliderRerunsTheShownSeedInTheWindow) {
  MainWindow window;
  window.controls()->apply(support::small_request("cat", 6));
  QCheckBox* random = nullptr;
  for (QCheckBox* box : window.controls()->findChildren<QCheckBox*>()) {
    if (box->text() == "Random") random = box;
  }
  ASSERT_NE(random, nullptr);
  random->setChecked(true);
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  ASSERT_EQ(window.records().size(), 1);
  const RunRecord first = window.records().back();
  const int64_t seed = first.outcome.request.seed;

  VariationControls* variation = window.controls()->variationControls();
  variation->setChecked(true);
  QSignalSpy ended(&window, &MainWindow::runEnded);
  QTest::keyClick(variation->strengthSlider(), Qt::Key_PageUp);  // 0 → 0.1, and a run starts
  ASSERT_TRUE(ended.wait(60000)) << "the slider started no run";
  ASSERT_EQ(window.records().size(), 2);
  const RunRecord& second = window.records().back();
  EXPECT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();
  EXPECT_EQ(second.outcome.request.seed, seed);
  EXPECT_NEAR(second.outcome.request.variation.strength, 0.1, 1e-9);
  EXPECT_EQ(second.frames.size(), 6);
  EXPECT_FALSE(random->isChecked());
  EXPECT_NE(second.frames.front().xt, first.frames.front().xt);  // x_T moved
}
