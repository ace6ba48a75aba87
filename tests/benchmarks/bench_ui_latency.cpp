// How long the UI thread is blocked while a run streams its previews into the
// real window (goal: under 16 ms, one frame at 60 Hz). A 1 ms precise timer
// ticks on the UI thread; the longest gap between ticks, less the 1 ms, is the
// longest time the event loop could not run.
//   bench_ui_latency [steps] [size] [runs] [threads] [path|wordmaps|grid]   (defaults: 100 64 3, all cores)
// "path": the chart under the chain shows the path of the image (drawn when
// each run ends) instead of the schedule, and after the runs every step is
// scrubbed through once, timed. "wordmaps": the runs record word heat maps
// and the word's map summed over the steps so far lies over x_t while they
// stream; the scrub is timed too, and so is one overlay as SD 1.5 at 512²
// would need it (a 64² map summed over 1,000 steps, laid over a 512² image).
// "grid": the runs are the cells of an X/Y/Z plot (seed = 1..runs) with the
// Grid tab shown, filling as they finish; then a grid of 8 × 8 cells of 512²
// images is painted on screen and rendered for saving, timed.
#include <ATen/ATen.h>

#include <QApplication>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/common/blas_kernels.h"
#include "core/common/runtime.h"
#include "core/grid/grid_axes.h"
#include "ui/controls_panel.h"
#include "ui/grid_view.h"
#include "ui/main_window.h"
#include "ui/path_chart.h"
#include "ui/preview_panel.h"
#include "ui/word_map_overlay.h"

namespace {

// Times every event the UI thread dispatches, to name the slowest kinds.
class TimedApplication : public QApplication {
 public:
  using QApplication::QApplication;
  bool notify(QObject* receiver, QEvent* event) override {
    if (depth_++ > 0) {  // nested dispatch: counted in the outer event
      const bool result = QApplication::notify(receiver, event);
      --depth_;
      return result;
    }
    // Read before dispatching: the event may delete its receiver (DeferredDelete).
    const bool worker_event = receiver->thread() != thread();  // the worker's own events
    const std::string name =
        std::string(receiver->metaObject()->className()) + " event " + std::to_string(event->type());
    QElapsedTimer timer;
    timer.start();
    const bool result = QApplication::notify(receiver, event);
    --depth_;
    const double ms = timer.nsecsElapsed() / 1e6;
    if (worker_event) return result;
    auto& slowest = slowest_[name];
    slowest = std::max(slowest, ms);
    return result;
  }
  void report() const {
    std::vector<std::pair<double, std::string>> sorted;
    for (const auto& [name, ms] : slowest_) sorted.push_back({ms, name});
    std::sort(sorted.rbegin(), sorted.rend());
    std::printf("  slowest single events:\n");
    for (size_t i = 0; i < std::min<size_t>(6, sorted.size()); ++i) {
      std::printf("    %6.2f ms  %s\n", sorted[i].first, sorted[i].second.c_str());
    }
  }

 private:
  int depth_ = 0;
  std::map<std::string, double> slowest_;
};

}  // namespace

int main(int argc, char** argv) {
  diffscope::ensure_fast_blas_kernels(argv);
  diffscope::RuntimeOptions runtime;
  runtime.threads = argc > 4 ? std::atoi(argv[4]) : 0;
  diffscope::configure_runtime(runtime);
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  TimedApplication app(argc, argv);
  QApplication::setOrganizationName("DiffScopeBenchmarks");
  const int steps = argc > 1 ? std::atoi(argv[1]) : 100;
  const int size = argc > 2 ? std::atoi(argv[2]) : 64;
  const int runs = argc > 3 ? std::atoi(argv[3]) : 3;

  diffscope::ui::MainWindow window;
  window.resize(1280, 800);
  window.show();
  diffscope::Request request;
  request.prompt = "face";
  request.steps = steps;
  request.width = request.height = size;
  request.cfg_scale = 1.0;
  window.controls()->apply(request);
  const bool path = argc > 5 && std::string(argv[5]) == "path";
  if (path) window.findChild<QTabWidget*>("chartTabs")->setCurrentWidget(window.pathChart());
  const bool word_maps = argc > 5 && std::string(argv[5]) == "wordmaps";
  if (word_maps) {
    window.preview()->wordMapPicker()->findChild<QCheckBox*>("recordWordMaps")->setChecked(true);
    window.preview()->wordMapPicker()->setAllSteps(true);
    // The word is chosen as soon as the first step has listed it.
    QObject::connect(window.preview(), &diffscope::ui::PreviewPanel::stepShown,
                     [&window] { window.preview()->wordMapPicker()->setWord("face"); });
  }

  QElapsedTimer clock;
  std::vector<double> gaps;
  double last = -1;
  bool measuring = false;
  QTimer ticker;
  ticker.setTimerType(Qt::PreciseTimer);
  ticker.setInterval(1);
  QObject::connect(&ticker, &QTimer::timeout, [&] {
    const double now = clock.nsecsElapsed() / 1e6;
    if (measuring && last >= 0) gaps.push_back(now - last);
    last = now;
  });
  clock.start();
  ticker.start();

  const bool grid = argc > 5 && std::string(argv[5]) == "grid";
  std::vector<double> run_seconds;  // as the status bar reports them: sampling and decoding
  if (grid) {
    {  // loads the model, not measured
      QSignalSpy ended(&window, &diffscope::ui::MainWindow::runEnded);
      window.generate();
      if (!ended.wait(600000)) return 1;
    }
    QSignalSpy ended(&window, &diffscope::ui::MainWindow::gridEnded);
    measuring = true;
    QElapsedTimer start;
    start.start();
    const bool started = window.runGrid(diffscope::parse_grid_axis("seed=1-" + std::to_string(runs)), std::nullopt,
                                        std::nullopt);
    std::printf("  starting the grid (every cell planned, the first queued): %.2f ms\n", start.nsecsElapsed() / 1e6);
    if (!started || !ended.wait(600000)) {
      std::fprintf(stderr, "the grid did not run: %s\n", qPrintable(window.lastMessage()));
      return 1;
    }
    measuring = false;
    for (int i = 0; i < runs; ++i) run_seconds.push_back(window.records()[1 + i].outcome.seconds);
  }
  for (int run = 0; !grid && run <= runs; ++run) {  // run 0 loads the model and is not measured
    QSignalSpy ended(&window, &diffscope::ui::MainWindow::runEnded);
    measuring = run > 0;
    window.generate();
    if (!ended.wait(600000)) {
      std::fprintf(stderr, "the run did not end\n");
      return 1;
    }
    measuring = false;
    if (!window.lastMessage().isEmpty()) {
      std::fprintf(stderr, "run failed: %s\n", qPrintable(window.lastMessage()));
      return 1;
    }
    run_seconds.push_back(window.records().back().outcome.seconds);
  }
  std::sort(gaps.begin(), gaps.end());
  const auto at = [&](double q) { return gaps[std::min(gaps.size() - 1, size_t(q * double(gaps.size())))]; };
  std::printf("UI thread while streaming %d runs × %d steps at %dx%d (%zu ticks):\n", runs, steps, size, size,
              gaps.size());
  std::printf("  longest block %.2f ms, p99 %.2f ms, median gap %.2f ms (timer interval 1 ms)\n", gaps.back() - 1.0,
              at(0.99) - 1.0, at(0.5));
  std::printf("  steps shown in the last run: %d\n", int(window.preview()->frames().size()));
  std::printf("  run times in the app (the first one loads nothing but warms up):");
  for (double seconds : run_seconds) std::printf(" %.3f s", seconds);
  std::printf("\n");
  if (word_maps) {
    double slowest = 0;
    for (int step = 0; step < int(window.preview()->frames().size()); ++step) {
      QElapsedTimer scrub;
      scrub.start();
      window.preview()->showStep(step);
      QCoreApplication::processEvents();
      slowest = std::max(slowest, scrub.nsecsElapsed() / 1e6);
    }
    std::printf("  word map of '%s' over x_t, all steps so far: slowest scrub step (show + paint) %.2f ms\n",
                qPrintable(window.preview()->wordMapPicker()->word()), slowest);
    diffscope::WordMapHistory history;
    for (int step = 0; step < 1000; ++step) {
      auto maps = std::make_shared<diffscope::WordMaps>();
      maps->words = {"<start>", "a", "lovely", "cat"};
      maps->maps = at::rand({1, 4, 64, 64});
      history.add(step, maps);
    }
    QImage image(512, 512, QImage::Format_RGB32);
    image.fill(Qt::gray);
    QElapsedTimer timer;
    timer.start();
    const at::Tensor first = history.batch_maps(999, "cat", true);
    const double first_sum = timer.nsecsElapsed() / 1e6;
    timer.restart();
    const at::Tensor again = history.batch_maps(998, "cat", true);
    const double kept_sum = timer.nsecsElapsed() / 1e6;
    timer.restart();
    const QImage out = diffscope::ui::overlay_word_maps(image, again);
    std::printf(
        "  SD 1.5-sized maps (64², 1,000 steps, 512² image): first sum over all steps %.2f ms, "
        "a kept sum %.3f ms, overlay %.2f ms\n",
        first_sum, kept_sum, timer.nsecsElapsed() / 1e6);
  }
  if (grid) {
    diffscope::ui::GridView view;
    view.resize(900, 700);
    view.show();
    QCoreApplication::processEvents();  // lays the view out
    diffscope::GridLayout layout{8, 8, 1, {}, {}, {}};
    for (int i = 0; i < 8; ++i) {
      layout.column_labels.push_back("Sampler: DPM++ 2M " + std::to_string(i));
      layout.row_labels.push_back("CFG Scale: " + std::to_string(i));
    }
    view.setGrid(layout);
    QImage cell(512, 512, QImage::Format_RGB888);
    cell.fill(Qt::darkCyan);
    QElapsedTimer timer;
    timer.start();
    (void)view.canvas()->grab();
    const double empty = timer.nsecsElapsed() / 1e6;
    double slowest_cell = 0;
    for (int i = 0; i < 64; ++i) {  // each cell landing, with the repaint it causes
      timer.restart();
      view.setCell(i, cell, i);
      (void)view.canvas()->grab();  // paints it, as the screen would
      slowest_cell = std::max(slowest_cell, timer.nsecsElapsed() / 1e6);
    }
    timer.restart();
    const QImage saved = view.render();
    std::printf("  8 × 8 grid of 512² cells: painting it empty %.2f ms; slowest cell landing (set + paint) %.2f ms; "
                "rendering the %dx%d PNG picture %.1f ms (on Save only)\n",
                empty, slowest_cell, saved.width(), saved.height(), timer.nsecsElapsed() / 1e6);
  }
  if (path) {  // scrubbing: the preview, the schedule's and the path's markers
    double slowest = 0;
    for (int step = 0; step < int(window.preview()->frames().size()); ++step) {
      QElapsedTimer scrub;
      scrub.start();
      window.preview()->showStep(step);
      QCoreApplication::processEvents();  // and paint
      slowest = std::max(slowest, scrub.nsecsElapsed() / 1e6);
    }
    std::printf("  path chart: %zu steps drawn; slowest scrub step (show + paint) %.2f ms\n",
                window.pathChart()->path().steps.size(), slowest);
  }
  app.report();
  return 0;
}
