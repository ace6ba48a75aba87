#include "ui/main_window.h"

#include <QCloseEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "core/common/runtime.h"
#include "core/common/system_memory.h"
#include "core/pipeline/pipeline.h"
#include "ui/checkpoint_options.h"
#include "ui/compare_view.h"
#include "ui/controls_panel.h"
#include "ui/forward_explorer.h"
#include "ui/grid_view.h"
#include "ui/history_budget.h"
#include "ui/history_panel.h"
#include "ui/path_chart.h"
#include "ui/preview_panel.h"
#include "ui/run_controller.h"
#include "ui/schedule_chart.h"
#include "ui/word_map_overlay.h"

namespace diffscope::ui {
MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), history_budget_(history_budget_bytes()) {
  setWindowTitle(tr("DiffScope"));
  setAcceptDrops(true);
  controls_ = new ControlsPanel;
  preview_ = new PreviewPanel;
  schedule_ = new ScheduleChart;
  path_ = new PathChart;
  compare_ = new CompareView;
  grid_view_ = new GridView;
  explorer_ = new ForwardExplorer;
  history_panel_ = new HistoryPanel;
  runner_ = new RunController(this);

  banner_ = new QLabel;
  banner_->setWordWrap(true);
  banner_->setVisible(false);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* chain_splitter = new QSplitter(Qt::Vertical);
  chain_splitter->addWidget(preview_);
  // Under the chain: the schedule, or the path the shown image took.
  chart_tabs_ = new QTabWidget;
  chart_tabs_->setObjectName("chartTabs");
  chart_tabs_->setTabPosition(QTabWidget::South);
  chart_tabs_->addTab(schedule_, tr("Noise schedule"));
  chart_tabs_->addTab(path_, tr("Path of the image"));
  chain_splitter->addWidget(chart_tabs_);
  chain_splitter->setStretchFactor(0, 3);
  chain_splitter->setStretchFactor(1, 2);
  chart_tabs_->setMinimumHeight(260);
  tabs_ = new QTabWidget;
  tabs_->setObjectName("mainTabs");
  tabs_->addTab(chain_splitter, tr("Reverse chain"));
  tabs_->addTab(explorer_, tr("Forward process"));
  tabs_->addTab(compare_, tr("Compare"));
  tabs_->addTab(grid_view_, tr("Grid"));
  auto* centre = new QWidget;
  auto* centre_layout = new QVBoxLayout(centre);
  centre_layout->setContentsMargins(0, 0, 0, 0);
  locate_tokenizer_ = new QPushButton(tr("Locate CLIP tokenizer…"));
  locate_tokenizer_->setVisible(false);
  connect(locate_tokenizer_, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Folder with the CLIP tokenizer (vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt.gz)"));
    if (!dir.isEmpty()) useTokenizer(dir);
  });
  auto* banner_row = new QHBoxLayout;
  banner_row->addWidget(banner_, 1);
  banner_row->addWidget(locate_tokenizer_);
  centre_layout->addLayout(banner_row);
  centre_layout->addWidget(tabs_, 1);

  auto* scroll = new QScrollArea;
  scroll->setWidget(controls_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(controls_->sizeHint().width() + 20);
  auto* splitter = new QSplitter;
  splitter->addWidget(scroll);
  splitter->addWidget(centre);
  splitter->addWidget(history_panel_);
  splitter->setStretchFactor(1, 1);
  setCentralWidget(splitter);
  history_panel_->setMinimumWidth(200);

  device_label_ = new QLabel;
  speed_label_ = new QLabel;
  estimate_label_ = new QLabel;
  // Fixed widths: labels that grow with their text re-lay out the status bar at every step.
  speed_label_->setFixedWidth(
      speed_label_->fontMetrics().horizontalAdvance("Step 1000/1000 · 9999 ms/step · 999.9 steps/s · ETA 9999.9 s"));
  speed_label_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  progress_ = new QProgressBar;
  progress_->setMaximumWidth(180);
  progress_->setVisible(false);
  statusBar()->addPermanentWidget(speed_label_);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(estimate_label_);
  statusBar()->addPermanentWidget(device_label_);
  device_label_->setText(tr("Device: %1").arg(QString::fromStdString(describe_device(resolve_device("auto")))));

  buildMenus();
  connect(controls_, &ControlsPanel::generateClicked, this, &MainWindow::generate);
  connect(controls_, &ControlsPanel::cancelClicked, this, &MainWindow::cancel);
  connect(controls_, &ControlsPanel::settingsChanged, this, &MainWindow::updateEstimate);
  connect(preview_, &PreviewPanel::stepShown, schedule_, &ScheduleChart::setCurrentStep);
  connect(preview_, &PreviewPanel::stepShown, path_, &PathChart::setCurrentStep);
  connect(history_panel_, &HistoryPanel::runActivated, this, &MainWindow::restoreRun);
  connect(history_panel_, &HistoryPanel::compareRequested, this, &MainWindow::compareRuns);
  connect(explorer_, &ForwardExplorer::message, this, [this](const QString& m) { showMessage(m, true); });
  connect(runner_, &RunController::started, this, &MainWindow::onStarted);
  connect(runner_, &RunController::step, this, &MainWindow::onStep);
  connect(runner_, &RunController::finished, this, &MainWindow::onFinished);
  connect(runner_, &RunController::failed, this, [this](const QString& m) {
    stopGrid(m);
    endRun(m, true);
  });
  connect(runner_, &RunController::cancelled, this, [this] {
    stopGrid(tr("cancelled"));
    endRun(tr("Cancelled."), false);
  });
  connect(grid_view_, &GridView::cancelRequested, this, &MainWindow::cancel);
  connect(grid_view_, &GridView::cellActivated, this, [this](int record) {
    restoreRun(record);
    tabs_->setCurrentIndex(0);
  });
  connect(grid_view_, &GridView::saveRequested, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save grid"), suggestedPath("png"), tr("PNG images (*.png)"));
    if (!path.isEmpty()) saveGridTo(path);
  });
  connect(runner_, &RunController::loadProgress, this, [this](double fraction) {
    progress_->setRange(0, 100);
    progress_->setValue(int(fraction * 100));
    speed_label_->setText(tr("Loading the model… %1 %").arg(int(fraction * 100)));
  });
  connect(runner_, &RunController::decoded, this, &MainWindow::onDecoded);
  connect(preview_, &PreviewPanel::decodeRequested, this, &MainWindow::requestDecode);
  connect(preview_, &PreviewPanel::branchRequested, this, &MainWindow::branchAt);

  QSettings settings;
  controls_->load(settings);
  restoreGeometry(settings.value("window/geometry").toByteArray());
  if (!settings.contains("window/geometry")) resize(1280, 800);
  updateEstimate();
  controls_->promptEdit()->setFocus();
}

MainWindow::~MainWindow() { runner_->shutdown(); }

void MainWindow::closeEvent(QCloseEvent* event) {
  // Cancel and wait for the worker: the engine checks the token between steps
  // and network blocks, so this returns within about a second.
  runner_->shutdown();
  QSettings settings;
  controls_->save(settings);
  settings.setValue("window/geometry", saveGeometry());
  event->accept();
}

bool MainWindow::running() const { return runner_->running(); }

void MainWindow::generate() {
  stopGrid(tr("a new run replaced it"));
  Request request = controls_->requestForRun();
  if (pending_branch_) request.branch = *pending_branch_;
  request.word_maps = preview_->wordMapPicker()->recording();
  startRun(request);
}

void MainWindow::startRun(const Request& request) {
  dropLiveRecord();  // the run being replaced leaves no record
  path_->clear();    // the new run's path is known when it ends
  showMessage({}, false);
  controls_->setRunning(true);
  progress_->setRange(0, 0);  // busy until the first step
  progress_->setVisible(true);
  speed_label_->setText(tr("Loading the model…"));
  run_clock_.start();
  runner_->start(request);
}

void MainWindow::cancel() { runner_->cancel(); }

void MainWindow::dropLiveRecord() {
  if (!live_ || records_.isEmpty()) return;
  if (shown_record_ == int(records_.size()) - 1) shown_record_ = -1;
  records_.pop_back();
  live_ = false;
}

void MainWindow::onStarted(const RunPlan& plan) {
  RunRecord record;
  record.plan = plan;
  if (grid_) {
    const GridCell& cell = grid_->cells[grid_->next];
    record.grid_label = QString::fromStdString(grid_cell_label(grid_->record, cell.x, cell.y, cell.z));
  }
  records_.push_back(record);
  live_ = true;
  shown_record_ = int(records_.size()) - 1;
  preview_->beginRun(plan.request.steps, plan.info.weighs_training_images);
  preview_->setStepPrompts(step_prompts(plan));
  if (plan.request.branch) {
    records_.back().parent_record = branch_parent_;
    preview_->setSharedPrefix(plan.request.branch->at_step,
                              branch_parent_ >= 0 ? tr("run %1").arg(branch_parent_ + 1) : tr("the parent run"));
  }
  schedule_->setSchedule(plan.schedule_alpha_bar, plan.timesteps);
  device_label_->setText(tr("Device: %1").arg(plan.device));
  device_label_->setToolTip(plan.model_info);
  statusBar()->showMessage(plan.model_info, 15000);
  // Told before the steps arrive, and left up after the run: why the image
  // may not show what was asked.
  if (!plan.prompt_warnings.isEmpty()) showMessage(tr("Note: %1.").arg(plan.prompt_warnings.join("; ")), false);
  progress_->setRange(0, int(plan.sigmas.size()) - 1);
  progress_->setValue(0);
  run_clock_.start();
}

void MainWindow::onStep(const StepFrame& frame) {
  if (!live_) return;
  records_.back().frames.push_back(frame);
  // The user may be looking at an older run from the history meanwhile.
  if (shown_record_ == int(records_.size()) - 1) preview_->addFrame(frame);
  progress_->setValue(frame.index + 1);
  const double per_step = frame.elapsed / (frame.index + 1);
  const int left = frame.total - frame.index - 1;
  const double last =
      frame.index == 0 ? frame.elapsed : frame.elapsed - records_.back().frames[frame.index - 1].elapsed;
  speed_label_->setText(tr("Step %1/%2 · %3 ms/step · %4 steps/s · ETA %5 s")
                            .arg(frame.index + 1)
                            .arg(frame.total)
                            .arg(last * 1000.0, 0, 'f', 0)
                            .arg(per_step > 0 ? 1.0 / per_step : 0.0, 0, 'f', 1)
                            .arg(per_step * left, 0, 'f', 1));
}

void MainWindow::onFinished(const RunOutcome& outcome) {
  int finished = -1;  // its record
  if (live_) {
    RunRecord& record = records_.back();
    record.outcome = outcome;
    live_ = false;
    const int index = int(records_.size()) - 1;
    finished = index;
    // The last step's x̂0 is the result (every sampler's last step lands on
    // it): where its preview was approximate, show the real decode instead.
    if (!record.frames.isEmpty() && record.frames.back().approximate && !record.frames.back().x0_decoded &&
        !outcome.final_x0.isNull()) {
      StepFrame& last = record.frames.back();
      last.x0 = outcome.final_x0;
      last.x0_decoded = true;
      if (shown_record_ == index) preview_->setDecoded(int(record.frames.size()) - 1, PreviewMode::X0, last.x0);
    }
    if (shown_record_ == index) {
      path_->setPath(outcome.path);
      path_->setCurrentStep(preview_->shownStep());
    }
    history_panel_->addRun(record, index, parametersFor(record, 0));
    controls_->setLastSeed(outcome.request.seed);
    // Bound the memory the history holds: the newest runs keep their steps.
    trim_history(records_, index, history_budget_);
  }
  speed_label_->setText(tr("%1 steps in %2 s (%3 steps/s)")
                            .arg(outcome.request.steps)
                            .arg(outcome.seconds, 0, 'f', 2)
                            .arg(outcome.request.steps / std::max(outcome.seconds, 1e-9), 0, 'f', 1));
  endRun({}, false);
  if (grid_ && finished >= 0) gridCellFinished(finished);
}

void MainWindow::endRun(const QString& message, bool error) {
  dropLiveRecord();  // a failed or cancelled run keeps its steps on screen but no record
  pending_branch_.reset();  // a branch is made once; "Continue from this step…" again for another
  branch_parent_ = -1;
  controls_->setRunning(false);
  progress_->setVisible(false);
  if (!message.isEmpty()) showMessage(message, error);
  Q_EMIT runEnded();
}

void MainWindow::useTokenizer(const QString& path) {
  controls_->checkpointOptions()->setTokenizer(path);
  generate();
}

void MainWindow::requestDecode(int step, PreviewMode mode) {
  const RunRecord* record = shownRecord();
  if (!record || step < 0 || step >= record->frames.size()) return;
  const StepFrame& frame = record->frames[step];
  const at::Tensor& latents = mode == PreviewMode::Xt ? frame.xt_latent : frame.x0_latent;
  if (!latents.defined()) return;
  const quint64 tag = runner_->decode(record->plan.request, latents);
  pending_decodes_.insert(tag, PendingDecode{shown_record_, step, mode, latents});
  statusBar()->showMessage(running() ? tr("The VAE decodes this step when the run ends…")
                                     : tr("Decoding with the VAE…"));
}

void MainWindow::onDecoded(quint64 tag, const QImage& image, const QString& error) {
  const PendingDecode pending = pending_decodes_.take(tag);
  if (!error.isEmpty()) {
    showMessage(tr("The VAE could not decode the step: %1").arg(error), true);
    return;
  }
  if (pending.record < 0 || pending.record >= records_.size()) return;
  QVector<StepFrame>& frames = records_[pending.record].frames;
  if (pending.step >= frames.size()) return;
  const StepFrame& asked = frames[pending.step];
  const at::Tensor& now = pending.mode == PreviewMode::Xt ? asked.xt_latent : asked.x0_latent;
  if (!now.defined() || !now.is_same(pending.latents)) return;  // that run is gone
  {
    StepFrame& f = frames[pending.step];
    if (pending.mode == PreviewMode::Xt) f.xt = image, f.xt_decoded = true;
    if (pending.mode == PreviewMode::X0) f.x0 = image, f.x0_decoded = true;
  }
  if (pending.record == shown_record_) preview_->setDecoded(pending.step, pending.mode, image);
  statusBar()->showMessage(tr("Decoded step %1 with the VAE.").arg(pending.step + 1), 5000);
}

void MainWindow::showMessage(const QString& text, bool error) {
  locate_tokenizer_->setVisible(error && text.contains("CLIP tokenizer"));
  banner_->setText(text);
  banner_->setStyleSheet(error ? "QLabel { background: #fde2e1; color: #8a1c13; padding: 6px; }"
                               : "QLabel { background: #e8f0fe; color: #1a3d7c; padding: 6px; }");
  banner_->setVisible(!text.isEmpty());
  if (!text.isEmpty()) statusBar()->showMessage(text, 10000);
}

// isHidden, not isVisible: the window itself may not be shown (tests, start-up).
QString MainWindow::lastMessage() const { return banner_->isHidden() ? QString() : banner_->text(); }

void MainWindow::updateEstimate() {
  const auto available = available_memory_bytes();
  const QString free = available ? QString::fromStdString(format_bytes(*available)) : tr("?");
  preview_->wordMapPicker()->setAvailable(controls_->modelInfo().options.word_maps);
  try {
    // The same plan (and memory check) the run will make, without loading anything.
    Request request = controls_->request();
    request.word_maps = preview_->wordMapPicker()->recording();
    const Plan plan = Pipeline::plan(request, /*keep_history=*/true);
    estimate_label_->setText(
        tr("Memory: ~%1 of %2 free").arg(QString::fromStdString(format_bytes(plan.memory.total())), free));
    estimate_label_->setToolTip({});
    // Until a run is shown, the chart shows where the planned steps will land
    // (a run's chart is that run's, whatever is edited afterwards).
    if (shown_record_ < 0) schedule_->setSchedule(plan.alpha_bars, plan.timesteps);
  } catch (const std::exception& e) {
    // A request the run would refuse: it says why when it is started.
    estimate_label_->setText(tr("Memory: ? of %1 free").arg(free));
    estimate_label_->setToolTip(QString::fromUtf8(e.what()));
    if (shown_record_ < 0) schedule_->setSchedule({}, {});
  }
}

const RunRecord* MainWindow::shownRecord() const {
  if (shown_record_ < 0 || shown_record_ >= records_.size()) return nullptr;
  return &records_[shown_record_];
}

}  // namespace diffscope::ui
