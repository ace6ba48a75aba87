#pragma once
// The DiffScope window: controls on the left, the reverse chain (preview,
// timeline, schedule) and the forward-process explorer in the middle, this
// session's history on the right, device and speed in the status bar.
#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>

#include <optional>
#include <QVector>

#include "ui/preview_panel.h"
#include "ui/run_record.h"

class QLabel;
class QPushButton;
class QProgressBar;
class QTabWidget;

namespace diffscope::ui {

class ControlsPanel;
class GetModelsDialog;
class ForwardExplorer;
class HistoryPanel;
class PreviewPanel;
class RunController;
class CompareView;
class PathChart;
class ScheduleChart;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Actions, callable without dialogs (tests, scripts). Each reports failure
  // in the window and returns false.
  void generate();
  void cancel();
  bool saveImageTo(const QString& path, bool overwrite_confirmed = false);
  bool restoreFromPng(const QString& path);
  bool exportChain(const QString& path);  // by extension: .gif, .mp4, or a folder for PNGs
  void copyImage();
  void restoreRun(int index);
  // "Continue from this step…": the next Generate branches the shown run at
  // `step` with the settings then in the form.
  void branchAt(int step);
  bool branchPending() const { return pending_branch_.has_value(); }
  // Up to four history entries side by side (the Compare tab); a message
  // where fewer than two still have their steps.
  void compareRuns(const QList<int>& indices);
  // The CLIP tokenizer files a checkpoint lacked: remember them and run again.
  void useTokenizer(const QString& path);
  // Model → Get models…: the download dialog (deleted when closed).
  GetModelsDialog* openGetModels();

  ControlsPanel* controls() const { return controls_; }
  PreviewPanel* preview() const { return preview_; }
  ScheduleChart* scheduleChart() const { return schedule_; }
  PathChart* pathChart() const { return path_; }
  CompareView* compareView() const { return compare_; }
  ForwardExplorer* forwardExplorer() const { return explorer_; }
  HistoryPanel* history() const { return history_panel_; }
  RunController* runner() const { return runner_; }
  const QVector<RunRecord>& records() const { return records_; }
  QString lastMessage() const;
  bool running() const;

 Q_SIGNALS:
  void runEnded();  // finished, failed or cancelled: tests wait on it

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void onStarted(const RunPlan& plan);
  void onStep(const StepFrame& frame);
  void onFinished(const RunOutcome& outcome);
  void endRun(const QString& message, bool error);
  void dropLiveRecord();
  void showMessage(const QString& text, bool error);
  void updateEstimate();
  void requestDecode(int step, PreviewMode mode);
  void onDecoded(quint64 tag, const QImage& image, const QString& error);
  QString outputFolder() const;
  QString suggestedPath(const QString& extension) const;
  QString parametersFor(const RunRecord& record, int image_index) const;
  // The prompt of each step where it changes during the run; empty otherwise.
  static QStringList step_prompts(const diffscope::Request& request);
  const RunRecord* shownRecord() const;

  ControlsPanel* controls_;
  PreviewPanel* preview_;
  ScheduleChart* schedule_;
  PathChart* path_;
  CompareView* compare_;
  QTabWidget* chart_tabs_;
  ForwardExplorer* explorer_;
  HistoryPanel* history_panel_;
  QTabWidget* tabs_;
  QLabel* banner_;
  QPushButton* locate_tokenizer_;
  struct PendingDecode {
    int record = -1, step = -1;
    PreviewMode mode = PreviewMode::Xt;
    at::Tensor latents;  // the step's own: a record index alone may name another run by then
  };
  QHash<quint64, PendingDecode> pending_decodes_;
  std::optional<diffscope::BranchPoint> pending_branch_;  // set by branchAt or a branch's PNG
  int branch_parent_ = -1;                                 // its parent's record, where known
  QLabel* device_label_;
  QLabel* speed_label_;
  QLabel* estimate_label_;
  QProgressBar* progress_;
  RunController* runner_;
  QVector<RunRecord> records_;
  int shown_record_ = -1;  // index into records_ of what the preview shows
  bool live_ = false;      // records_.back() is the run in progress
  QElapsedTimer run_clock_;
};

}  // namespace diffscope::ui
