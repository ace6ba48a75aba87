// The X/Y/Z plot in the real window: every cell runs as a history entry with
// its chain, the Grid tab shows each cell's image where its labels say,
// clicking a cell opens its run, the saved PNG restores any cell, Cancel
// stops the batch, a grid that would fail is refused before it runs; and the
// dialog's axes.
#include <gtest/gtest.h>

#include <QDialogButtonBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

#include "core/grid/grid_record.h"
#include "core/io/png_image.h"
#include "tests/support/test_support.h"
#include "tests/support/ui_test_support.h"
#include "ui/controls_panel.h"
#include "ui/grid_dialog.h"
#include "ui/grid_view.h"
#include "ui/main_window.h"

using namespace diffscope;
using namespace diffscope::ui;

namespace {

bool run_grid_and_wait(MainWindow& window, const std::string& x, const std::string& y) {
  QSignalSpy ended(&window, &MainWindow::gridEnded);
  if (!window.runGrid(parse_grid_axis(x), parse_grid_axis(y), std::nullopt)) return false;
  return ended.wait(60000);
}

}  // namespace

TEST(GridInTheWindow, EveryCellIsARunShownUnderItsLabelsAndRestoredFromThePng) {
  support::TempDir dir;
  MainWindow window;
  window.resize(1200, 800);
  window.controls()->apply(support::small_request("cat", 4));
  ASSERT_TRUE(run_grid_and_wait(window, "sampler=euler,heun", "cfg=1,3")) << window.lastMessage().toStdString();
  ASSERT_EQ(window.records().size(), 4);
  GridView* grid = window.gridView();
  ASSERT_EQ(grid->cellCount(), 4);
  // Cell order: X fastest. Each cell's run has its settings, its chain and its label.
  const SamplerId samplers[] = {SamplerId::Euler, SamplerId::Heun, SamplerId::Euler, SamplerId::Heun};
  const double cfgs[] = {1, 1, 3, 3};
  for (int i = 0; i < 4; ++i) {
    const RunRecord& record = window.records()[grid->recordAt(i)];
    EXPECT_EQ(record.outcome.request.sampler, samplers[i]) << i;
    EXPECT_EQ(record.outcome.request.cfg_scale, cfgs[i]) << i;
    EXPECT_EQ(record.frames.size(), 4) << i;
  }
  EXPECT_EQ(window.records()[grid->recordAt(3)].grid_label, "Heun, CFG Scale: 3");
  // The saved picture holds each run's image, unscaled, in its cell.
  const QImage picture = grid->render();
  const QImage heun_3 = window.records()[grid->recordAt(3)].outcome.images.front();
  // 16² cells are enlarged ×8, pixel for pixel, to leave the labels room.
  ASSERT_EQ(grid->renderCellSize(), QSize(128, 128));
  EXPECT_EQ(
      picture.copy(picture.width() - 128, picture.height() - 128, 128, 128).convertToFormat(QImage::Format_RGB888),
      heun_3.scaled(128, 128, Qt::IgnoreAspectRatio, Qt::FastTransformation).convertToFormat(QImage::Format_RGB888));
  if (const char* debug = std::getenv("DIFFSCOPE_TEST_SCREENSHOTS")) {
    picture.save(QString(debug) + "/grid-picture.png");
    heun_3.save(QString(debug) + "/grid-cell.png");
  }
  EXPECT_GT(picture.width(), 256);   // room for the row labels
  EXPECT_GT(picture.height(), 256);  // and the column labels
  support::save_screenshot(window, "grid");

  // Clicking a cell opens its run in the chain view.
  auto* tabs = window.findChild<QTabWidget*>("mainTabs");
  ASSERT_EQ(tabs->currentWidget(), grid);
  grid->canvas()->resize(600, 400);
  QPoint inside;
  for (int y = 0; y < 400 && inside.isNull(); y += 4) {
    for (int x = 0; x < 600; x += 4) {
      if (grid->cellAt({x, y}) == 1) {
        inside = {x, y};
        break;
      }
    }
  }
  ASSERT_FALSE(inside.isNull());
  QTest::mouseClick(grid->canvas(), Qt::LeftButton, Qt::NoModifier, inside);
  EXPECT_EQ(tabs->currentIndex(), 0);
  EXPECT_EQ(window.controls()->request().sampler, SamplerId::Heun);
  EXPECT_EQ(window.controls()->request().cfg_scale, 1.0);

  // The PNG: the picture, the first cell's parameters, and every cell's.
  const QString path = QString::fromStdString((dir / "grid.png").string());
  ASSERT_TRUE(window.saveGridTo(path)) << window.lastMessage().toStdString();
  const auto text = read_png_text(path.toStdString());
  const GridRecord record = parse_grid_record(text.at(kGridTextKey));
  EXPECT_EQ(record.cells.size(), 4u);
  EXPECT_EQ(record.y.labels, (std::vector<std::string>{"CFG Scale: 1", "CFG Scale: 3"}));
  EXPECT_NE(text.at("parameters").find("Sampler: Euler,"), std::string::npos);
  MainWindow other;
  ASSERT_TRUE(other.restoreGridCell(path, 3)) << other.lastMessage().toStdString();
  EXPECT_EQ(other.controls()->request().sampler, SamplerId::Heun);
  EXPECT_EQ(other.controls()->request().cfg_scale, 3.0);
  EXPECT_EQ(other.controls()->request().prompt, "cat");
  EXPECT_FALSE(other.restoreGridCell(path, 4));
}

TEST(GridInTheWindow, CancelStopsTheBatchAndABadGridNeverStarts) {
  MainWindow window;
  window.controls()->apply(support::small_request("cat", 200));
  QSignalSpy ended(&window, &MainWindow::gridEnded);
  ASSERT_TRUE(window.runGrid(parse_grid_axis("seed=1-4"), std::nullopt, std::nullopt));
  EXPECT_TRUE(window.gridRunning());
  QTimer::singleShot(50, &window, [&window] { window.cancel(); });
  ASSERT_TRUE(ended.wait(60000));
  EXPECT_FALSE(window.gridRunning());
  EXPECT_LT(window.records().size(), 4);
  EXPECT_FALSE(window.saveGridTo("/tmp/never.png"));

  const int before = int(window.records().size());
  EXPECT_FALSE(window.runGrid(parse_grid_axis("prompt=dog,cow"), std::nullopt, std::nullopt));
  EXPECT_TRUE(window.lastMessage().contains("neither")) << window.lastMessage().toStdString();
  // The oracle draws 16² only: a size the model refuses is caught before any cell runs.
  EXPECT_FALSE(
      window.runGrid(parse_grid_axis("model=oracle,/nonexistent/model.safetensors"), std::nullopt, std::nullopt));
  EXPECT_FALSE(window.gridRunning());
  EXPECT_EQ(window.records().size(), before);
}

TEST(GridDialog, ReadsTheAxesAndSaysWhatIsWrong) {
  GridDialog dialog;
  auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
  dialog.setAxis(0, "sampler", "euler, heun");
  dialog.setAxis(1, "steps", "10-30 (+10)");
  dialog.setAxis(2, "lora:shiny", "0, 1");
  const auto axes = dialog.axes();
  ASSERT_TRUE(axes[0] && axes[1] && axes[2]);
  EXPECT_EQ(axes[1]->values, (std::vector<std::string>{"10", "20", "30"}));
  EXPECT_EQ(axes[2]->lora, "shiny");
  EXPECT_TRUE(ok->isEnabled());
  dialog.setAxis(1, "cfg", "3, seven");
  EXPECT_FALSE(ok->isEnabled());
  EXPECT_TRUE(dialog.error().contains("seven"));
  dialog.setAxis(1, "", "");
  dialog.setAxis(2, "", "");
  dialog.setAxis(0, "", "");
  EXPECT_FALSE(ok->isEnabled());
  dialog.setAxis(0, "seed", "1-20");
  dialog.setAxis(1, "steps", "1-20");
  EXPECT_FALSE(ok->isEnabled()) << "400 cells";
}
