// The start-image group (img2img, inpainting) and its mask painter: the
// request it makes and restores, a mask painted with the mouse and saved as
// the PNG the run reads, and an inpainting run in the real window.
#include "ui/start_image_options.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <cstdlib>

#include "core/io/png_image.h"
#include "core/pipeline/inpaint_mask.h"
#include "tests/support/test_support.h"
#include "tests/support/ui_test_support.h"
#include "ui/combo_select.h"
#include "ui/controls_panel.h"
#include "ui/main_window.h"
#include "ui/mask_painter.h"
#include "ui/tensor_image.h"

using namespace diffscope;
using namespace diffscope::ui;

class StartImageUi : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("DIFFSCOPE_DATA_DIR", dir_.path().c_str(), 1);
    start_ = QString::fromStdString((dir_ / "start.png").string());
    // A 64×64 start image with a gradient, so that kept pixels are recognisable.
    at::Tensor rgb = at::arange(64 * 64 * 3).remainder(251).to(at::kByte).reshape({64, 64, 3});
    write_png(start_.toStdString(), rgb);
  }
  void TearDown() override { unsetenv("DIFFSCOPE_DATA_DIR"); }

  support::TempDir dir_;
  QString start_;
};

TEST_F(StartImageUi, TravelsInTheRequest) {
  StartImageOptions options;
  Request r;
  r.init_image = start_.toStdString();
  r.strength = 0.4;
  r.mask_image = "/images/mask.png";
  r.mask_blur = 9;
  r.invert_mask = true;
  r.inpaint_resample = 4;
  r.masked_content = MaskedContent::LatentNothing;
  r.resize_mode = ResizeMode::ResizeAndFill;
  options.apply(r);
  Request back;
  options.fill(back);
  EXPECT_EQ(back.resize_mode, ResizeMode::ResizeAndFill);
  EXPECT_EQ(options.findChild<QComboBox*>("resize_mode")->currentText(), "Resize and fill");
  EXPECT_EQ(back.masked_content, MaskedContent::LatentNothing);
  EXPECT_EQ(options.findChild<QComboBox*>("masked_content")->currentText(), "latent nothing");
  EXPECT_EQ(back.init_image, r.init_image);
  EXPECT_DOUBLE_EQ(back.strength, 0.4);
  EXPECT_EQ(back.mask_image, r.mask_image);
  EXPECT_EQ(back.mask_blur, 9);
  EXPECT_TRUE(back.invert_mask);
  EXPECT_EQ(back.inpaint_resample, 4);
  EXPECT_EQ(options.findChild<QSpinBox*>("resample")->text(), "4× per step");
  // The conditioning mask strength is an inpainting model's alone.
  options.show();
  auto* weight = options.findChild<QDoubleSpinBox*>("mask_weight");
  EXPECT_FALSE(weight->isVisible());
  ModelInfo inpainting;
  inpainting.options.inpainting_model = true;
  options.setModel(inpainting);
  EXPECT_TRUE(weight->isVisible());
  EXPECT_TRUE(options.findChild<QLabel*>("inpainting_note")->isVisible());
  options.adjustSize();
  support::save_screenshot(options, "start-image-inpainting-model");
  weight->setValue(0.4);
  options.fill(back);
  EXPECT_DOUBLE_EQ(back.inpainting_mask_weight, 0.4);
  options.setModel({});
  EXPECT_FALSE(weight->isVisible());
  // Kept between sessions with the mask blur.
  QSettings settings((dir_ / "settings.ini").string().c_str(), QSettings::IniFormat);
  options.save(settings);
  StartImageOptions later;
  later.load(settings);
  later.fill(back);
  EXPECT_DOUBLE_EQ(back.inpainting_mask_weight, 0.4);
  EXPECT_EQ(back.mask_blur, 9);
  // Without a start image the mask is not asked for (the run would refuse it).
  options.findChild<QLineEdit*>("init_image")->clear();
  options.fill(back);
  EXPECT_TRUE(back.mask_image.empty());
  EXPECT_FALSE(options.findChild<QPushButton*>("paint_mask")->isEnabled());
  EXPECT_EQ(options.openPainter(), nullptr);
}

TEST_F(StartImageUi, AStartImageOfAnotherSizeSaysHowItIsFitted) {
  StartImageOptions options;
  auto* note = options.findChild<QLabel*>("fit_note");
  ASSERT_NE(note, nullptr);
  options.setRunSize(64, 64);
  options.findChild<QLineEdit*>("init_image")->setText(start_);
  EXPECT_TRUE(note->isHidden()) << "the run's own size: nothing to fit";
  options.setRunSize(32, 48);
  EXPECT_FALSE(note->isHidden());
  EXPECT_EQ(note->text(), "The start image is 64×64: \"Just resize\" brings it to 32×48.");
  options.show();
  options.adjustSize();
  support::save_screenshot(options, "start-image-fit-note");
  select_data(options.findChild<QComboBox*>("resize_mode"), "Crop and resize");
  EXPECT_NE(note->text().indexOf("\"Crop and resize\""), -1) << note->text().toStdString();
  options.findChild<QLineEdit*>("init_image")->setText(QString::fromStdString((dir_ / "missing.png").string()));
  EXPECT_TRUE(note->isHidden()) << "an unreadable file: the run says why";
}

TEST_F(StartImageUi, APaintedMaskIsSavedAsThePngTheRunReads) {
  StartImageOptions options;
  Request r;
  r.init_image = start_.toStdString();
  options.apply(r);
  ASSERT_TRUE(options.findChild<QPushButton*>("paint_mask")->isEnabled());
  MaskPainter* painter = options.openPainter();
  ASSERT_NE(painter, nullptr);
  ASSERT_TRUE(painter->ready());
  MaskCanvas* canvas = painter->canvas();
  canvas->setBrushRadius(3);
  // 64×64 is shown 8× (512²): a stroke from image (10, 20) to (50, 20) …
  QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(10 * 8 + 4, 20 * 8 + 4));
  QTest::mouseMove(canvas, QPoint(30 * 8 + 4, 20 * 8 + 4));
  QTest::mouseMove(canvas, QPoint(50 * 8 + 4, 20 * 8 + 4));
  QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(50 * 8 + 4, 20 * 8 + 4));
  // … and the right button erases at (30, 20).
  canvas->setBrushRadius(1);
  QTest::mouseClick(canvas, Qt::RightButton, Qt::NoModifier, QPoint(30 * 8 + 4, 20 * 8 + 4));
  support::save_screenshot(*painter, "mask-painter");
  painter->accept();

  const QString saved = options.findChild<QLineEdit*>("mask")->text();
  EXPECT_EQ(saved, QString::fromStdString((dir_ / "masks" / "start-mask-1.png").string()));
  const at::Tensor mask = read_mask_png(saved.toStdString(), 64, 64, false);
  EXPECT_EQ(mask[20][10].item<float>(), 1.0f);
  EXPECT_EQ(mask[22][40].item<float>(), 1.0f);  // within the radius of the line
  EXPECT_EQ(mask[20][30].item<float>(), 0.0f);  // erased
  EXPECT_EQ(mask[30][30].item<float>(), 0.0f);  // never painted
  EXPECT_EQ(mask[20][60].item<float>(), 0.0f);
  const double painted = mask.sum().item<double>();
  EXPECT_GT(painted, 40 * 5);
  EXPECT_LT(painted, 48 * 8);

  // Painting again starts from that mask and saves a new file beside it.
  MaskPainter* again = options.openPainter();
  EXPECT_TRUE(QImage(saved) == again->canvas()->mask().convertToFormat(QImage(saved).format()));
  again->canvas()->invert();
  again->accept();
  EXPECT_TRUE(options.findChild<QLineEdit*>("mask")->text().endsWith("start-mask-2.png"));
  const at::Tensor inverted = read_mask_png(options.findChild<QLineEdit*>("mask")->text().toStdString(), 64, 64, false);
  EXPECT_TRUE(at::equal(inverted, 1.0 - mask));
}

TEST_F(StartImageUi, ALargeImageIsShownSmallerAndTheRedFollowsTheStrokes) {
  // SDXL's 1024² would not fit a small screen at 1:1.
  const QString large = QString::fromStdString((dir_ / "large.png").string());
  write_png(large.toStdString(), at::full({1024, 1024, 3}, 128, at::kByte));
  MaskPainter painter(large, {});
  ASSERT_TRUE(painter.ready());
  MaskCanvas* canvas = painter.canvas();
  EXPECT_EQ(canvas->sizeHint(), QSize(768, 768));
  canvas->resize(canvas->sizeHint());
  canvas->setBrushRadius(8);
  // Shown at 3/4: widget (384, 384) is image (512, 512).
  QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, QPoint(384, 384));
  EXPECT_EQ(canvas->mask().pixelColor(512, 512), QColor(Qt::white));
  EXPECT_EQ(canvas->mask().pixelColor(512 + 12, 512), QColor(Qt::black));
  const auto shown = [&](int x, int y) { return canvas->grab().toImage().pixelColor(x, y); };
  EXPECT_GT(shown(384, 384).red(), shown(384, 384).green() + 60);  // red over the grey
  EXPECT_EQ(shown(100, 100).red(), shown(100, 100).green());       // grey elsewhere
  // An erase takes the red away where it lands, and only there.
  canvas->setBrushRadius(2);
  QTest::mouseClick(canvas, Qt::RightButton, Qt::NoModifier, QPoint(384, 384));
  EXPECT_EQ(shown(384, 384).red(), shown(384, 384).green());
  EXPECT_GT(shown(384 + 4, 384).red(), shown(384 + 4, 384).green() + 60);
}

TEST_F(StartImageUi, APainterOnAnUnreadableImageSaysSo) {
  MaskPainter painter(QString::fromStdString((dir_ / "missing.png").string()), {});
  EXPECT_FALSE(painter.ready());
  QString error;
  EXPECT_TRUE(painter.save(QString::fromStdString(dir_.path().string()), &error).isEmpty());
  EXPECT_FALSE(error.isEmpty());
}

TEST_F(StartImageUi, TheWindowInpaintsAndKeepsTheRest) {
  MainWindow window;
  window.show();
  // The built-in model: its group is shown; a right-half mask without blur.
  const QString mask = QString::fromStdString((dir_ / "mask.png").string());
  at::Tensor white_right = at::zeros({64, 64, 3}, at::kByte);
  white_right.narrow(1, 32, 32).fill_(255);
  write_png(mask.toStdString(), white_right);
  Request r = window.controls()->request();
  r.model = kBuiltinModel;
  r.prompt = "grinning face";
  r.steps = 6;
  r.seed = 4;
  r.init_image = start_.toStdString();
  r.mask_image = mask.toStdString();
  r.mask_blur = 0;
  r.strength = 1.0;
  window.controls()->apply(r);
  ASSERT_TRUE(window.controls()->startImageOptions()->isVisible());
  QSignalSpy ended(&window, &MainWindow::runEnded);
  window.generate();
  ASSERT_TRUE(ended.wait(60000));
  ASSERT_EQ(window.records().size(), 1);
  const RunOutcome& outcome = window.records().front().outcome;
  EXPECT_EQ(outcome.request.mask_image, mask.toStdString());
  const at::Tensor image = hwc_from_image(outcome.images.front());
  const at::Tensor start = read_png_rgb(start_.toStdString());
  EXPECT_TRUE(at::equal(image.narrow(1, 0, 32), start.narrow(1, 0, 32)));
  EXPECT_FALSE(at::equal(image.narrow(1, 32, 32), start.narrow(1, 32, 32)));
  support::save_screenshot(window, "inpainting");
  // The panel tells the group the run's size: a start image of another size gets its note.
  auto* note = window.controls()->startImageOptions()->findChild<QLabel*>("fit_note");
  EXPECT_TRUE(note->isHidden());
  r.init_image = (dir_ / "wide.png").string();
  write_png(r.init_image, at::zeros({64, 96, 3}, at::kByte));
  window.controls()->apply(r);
  EXPECT_FALSE(note->isHidden());
  EXPECT_NE(note->text().indexOf("96×64: \"Just resize\" brings it to 64×64"), -1) << note->text().toStdString();
}
