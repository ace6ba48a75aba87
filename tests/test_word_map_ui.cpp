// Word heat maps in the real window with the real worker: the box records
// them for models that have cross-attention, the picker lists the run's
// words, the chosen word's map lies over x_t / x̂0 / ε̂ for the shown step or
// summed up to it, the timeline scrubs it, and history entries keep theirs.
#include "ui/word_map_overlay.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>

#include "tests/support/ui_test_support.h"
#include "ui/controls_panel.h"
#include "ui/main_window.h"
#include "ui/preview_panel.h"

using namespace diffscope;
using namespace diffscope::ui;

namespace {

Request apple_request() {
  Request r;
  r.prompt = "red apple";
  r.steps = 6;
  r.seed = 3;
  r.device = parse_device("cpu");
  return r;
}

}  // namespace

TEST(WordMapOverlay, EachBatchTileGetsItsOwnMap) {
  QImage image(8, 4, QImage::Format_RGB32);
  image.fill(Qt::white);
  at::Tensor maps = at::zeros({2, 4, 4});
  maps[0][0][0] = 1.0;  // the left image: hot in its top-left corner
  maps[1][3][3] = 1.0;  // the right image: bottom-right
  const QImage out = overlay_word_maps(image, maps);
  ASSERT_EQ(out.size(), image.size());
  // Hot is red in jet, cold blue: half over white.
  EXPECT_GT(qRed(out.pixel(0, 0)), qBlue(out.pixel(0, 0)));
  EXPECT_GT(qBlue(out.pixel(3, 3)), qRed(out.pixel(3, 3)));
  EXPECT_GT(qRed(out.pixel(7, 3)), qBlue(out.pixel(7, 3)));
  EXPECT_GT(qBlue(out.pixel(4, 0)), qRed(out.pixel(4, 0)));
  EXPECT_EQ(overlay_word_maps(image, at::Tensor()), image) << "no maps: the image as it was";
}

TEST(WordMapPicker, RecordsOnlyForModelsThatCanAndOverlaysTheChosenWord) {
  MainWindow window;
  PreviewPanel* preview = window.preview();
  WordMapPicker* picker = preview->wordMapPicker();
  auto* record = picker->findChild<QCheckBox*>("recordWordMaps");
  ASSERT_NE(record, nullptr);

  window.controls()->apply(support::small_request("cat", 3));  // the oracle: no attention
  EXPECT_FALSE(record->isEnabled());
  record->setChecked(true);
  EXPECT_FALSE(picker->recording());

  window.controls()->apply(apple_request());  // the built-in model
  EXPECT_TRUE(record->isEnabled());
  EXPECT_TRUE(picker->recording());
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  ASSERT_EQ(preview->frames().size(), 6);
  auto* words = picker->findChild<QComboBox*>("wordMapWord");
  ASSERT_EQ(words->count(), 4);  // "no word map shown", <start>, red, apple
  EXPECT_EQ(words->itemData(3).toString(), "apple");

  preview->setMode(PreviewMode::X0);
  preview->showStep(5);
  const QImage plain = preview->shownImage();
  EXPECT_EQ(plain, frame_image(preview->frames()[5], PreviewMode::X0));
  picker->setWord("apple");
  const QImage this_step = preview->shownImage();
  EXPECT_NE(this_step, plain) << "the map lies over the image";
  EXPECT_EQ(this_step.size(), plain.size());
  picker->setAllSteps(true);
  const QImage summed = preview->shownImage();
  EXPECT_NE(summed, this_step) << "all steps so far, not only the shown one";
  preview->showStep(0);  // at the first step, "all steps so far" is that step
  const QImage first_summed = preview->shownImage();
  picker->setAllSteps(false);
  EXPECT_EQ(preview->shownImage(), first_summed);
  preview->setMode(PreviewMode::Latents);
  EXPECT_EQ(preview->shownImage(), frame_image(preview->frames()[0], PreviewMode::Latents)) << "no map on latents";
  preview->setMode(PreviewMode::Xt);
  support::save_screenshot(window, "word-map");

  // A run without maps: the picker says so; the first run keeps its maps.
  record->setChecked(false);
  ASSERT_TRUE(support::generate_and_wait(window));
  EXPECT_EQ(words->count(), 1);
  EXPECT_FALSE(words->isEnabled());
  window.restoreRun(0);
  EXPECT_EQ(words->count(), 4);
  picker->setWord("red");
  EXPECT_NE(preview->shownImage(), frame_image(preview->frames().back(), PreviewMode::Xt));
}
