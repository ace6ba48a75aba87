// Drives the real window into the states the README shows and grabs the
// screen after each (run it under Xvfb: scripts/screenshots.sh).
//   make_screenshots OUTPUT_DIR
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QPlainTextEdit>
#include <QScreen>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>

#include "core/common/runtime.h"
#include "core/models/model_paths.h"
#include "ui/compare_view.h"
#include "ui/controls_panel.h"
#include "ui/forward_explorer.h"
#include "ui/main_window.h"
#include "ui/path_chart.h"
#include "ui/preview_panel.h"
#include "ui/word_map_overlay.h"

namespace {

bool grab(QWidget& window, const QString& path) {
  QTest::qWait(400);  // let the window paint
  const bool ok = window.screen()->grabWindow(0).copy(window.frameGeometry()).save(path);
  std::printf("%s %s\n", ok ? "wrote" : "FAILED", qPrintable(path));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  diffscope::configure_runtime();
  QApplication app(argc, argv);
  QApplication::setOrganizationName("DiffScopeScreenshots");
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_screenshots OUTPUT_DIR\n");
    return 2;
  }
  const QDir out(argv[1]);
  diffscope::ui::MainWindow window;
  window.setGeometry(0, 0, 1280, 800);
  window.show();
  auto run = [&](const diffscope::Request& request) {
    window.controls()->apply(request);
    QSignalSpy ended(&window, &diffscope::ui::MainWindow::runEnded);
    window.generate();
    return ended.wait(120000);
  };
  // The built-in model: the chain at step 10 of 30, and its latents.
  diffscope::Request request;
  request.prompt = "grinning face";
  request.steps = 30;
  request.seed = 3;
  request.sampler = diffscope::SamplerId::EulerAncestral;
  // The variation box in use: seed 3's noise moved a quarter of the way to seed 4's.
  request.variation.seed = 4;
  request.variation.strength = 0.25;
  if (!run(request)) return 1;
  window.preview()->showStep(9);
  bool ok = grab(window, out.filePath("screenshot-chain.png"));
  window.preview()->setMode(diffscope::ui::PreviewMode::Latents);
  ok = grab(window, out.filePath("screenshot-latents.png")) && ok;

  // The oracle: which training images each step leans on.
  request.variation = {};
  request.model = "oracle";
  request.prompt = "cat face";
  request.cfg_scale = 1.0;
  if (!run(request)) return 1;
  window.preview()->setMode(diffscope::ui::PreviewMode::Candidates);
  window.preview()->showStep(12);
  ok = grab(window, out.filePath("screenshot-candidates.png")) && ok;
  // The path the oracle's image took, with its posterior's entropy.
  window.findChild<QTabWidget*>("chartTabs")->setCurrentWidget(window.pathChart());
  ok = grab(window, out.filePath("screenshot-path.png")) && ok;
  window.findChild<QTabWidget*>("chartTabs")->setCurrentIndex(0);
  window.findChild<QTabWidget*>("mainTabs")->setCurrentWidget(window.forwardExplorer());
  window.forwardExplorer()->setTimestep(300);
  ok = grab(window, out.filePath("screenshot-forward.png")) && ok;

  // The first run beside the same seed under DPM++ 2M in 15 steps, by σ.
  request.model = diffscope::kBuiltinModel;
  request.prompt = "grinning face";
  request.sampler = diffscope::SamplerId::Dpmpp2m;
  request.steps = 15;
  request.variation.seed = 4;  // the first run's noise
  request.variation.strength = 0.25;
  request.cfg_scale.reset();
  if (!run(request)) return 1;
  window.compareRuns({0, 2});
  window.compareView()->setAlignment(diffscope::ui::CompareAlignment::Sigma);
  window.compareView()->setMode(diffscope::ui::PreviewMode::X0);
  window.compareView()->setPosition(12);
  ok = grab(window, out.filePath("screenshot-compare.png")) && ok;

  // A branch: the first run continued from its step 12 with another prompt,
  // the timeline on a shared step, the history showing the tree.
  window.findChild<QTabWidget*>("mainTabs")->setCurrentIndex(0);
  window.restoreRun(0);
  window.preview()->showStep(11);
  window.branchAt(11);
  window.controls()->promptEdit()->setPlainText("smiling face with heart-eyes");
  {
    QSignalSpy ended(&window, &diffscope::ui::MainWindow::runEnded);
    window.generate();
    if (!ended.wait(120000)) return 1;
  }
  window.preview()->setMode(diffscope::ui::PreviewMode::X0);
  window.preview()->showStep(20);
  ok = grab(window, out.filePath("screenshot-branch.png")) && ok;

  // Word heat maps: where "apple" drew attention, summed over the steps so far.
  window.preview()->wordMapPicker()->findChild<QCheckBox*>("recordWordMaps")->setChecked(true);
  request.prompt = "red apple";
  request.sampler = diffscope::SamplerId::Euler;
  request.steps = 30;
  request.seed = 11;
  if (!run(request)) return 1;
  window.preview()->setMode(diffscope::ui::PreviewMode::X0);
  window.preview()->wordMapPicker()->setWord("apple");
  window.preview()->wordMapPicker()->setAllSteps(true);
  window.preview()->showStep(14);
  ok = grab(window, out.filePath("screenshot-wordmap.png")) && ok;

  // An X/Y plot: three prompts (search/replace) by three CFG scales.
  window.preview()->wordMapPicker()->findChild<QCheckBox*>("recordWordMaps")->setChecked(false);
  request.steps = 20;
  request.variation = {};
  window.controls()->apply(request);
  {
    QSignalSpy ended(&window, &diffscope::ui::MainWindow::gridEnded);
    if (!window.runGrid(diffscope::parse_grid_axis("prompt=red apple,grinning face,cat face"),
                        diffscope::parse_grid_axis("cfg=1,3,6"), std::nullopt) ||
        !ended.wait(120000)) {
      return 1;
    }
  }
  ok = grab(window, out.filePath("screenshot-grid.png")) && ok;

  // Inpainting on the oracle: the left half of its "cat face" image (run 1)
  // kept, the right half repainted from pure noise with no prompt. At step 9
  // the posterior already bets on princes, the kept cat half still buried in
  // noise: this seed ends as half cat, half prince (replacement inpainting's
  // known flaw, shown by the exact denoiser).
  QTemporaryDir inputs;
  const QString start = inputs.filePath("cat-face.png"), mask = inputs.filePath("right-half.png");
  QImage right_half(64, 64, QImage::Format_Grayscale8);
  right_half.fill(0);
  for (int y = 0; y < 64; ++y) std::fill_n(right_half.scanLine(y) + 32, 32, uchar(255));
  if (!window.records()[1].outcome.images.front().save(start) || !right_half.save(mask)) return 1;
  request = {};
  request.model = "oracle";
  request.seed = 22;
  request.init_image = start.toStdString();
  request.mask_image = mask.toStdString();
  request.strength = 1.0;
  if (!run(request)) return 1;
  window.findChild<QTabWidget*>("mainTabs")->setCurrentIndex(0);
  window.preview()->setMode(diffscope::ui::PreviewMode::Candidates);
  window.preview()->showStep(8);
  ok = grab(window, out.filePath("screenshot-inpainting.png")) && ok;
  return ok ? 0 : 1;
}
