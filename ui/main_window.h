#pragma once
// The DiffScope window: controls on the left, the reverse chain (preview,
// timeline, schedule) and the forward-process explorer in the middle, this
// session's history on the right, device and speed in the status bar.
#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>

#include <cstdint>
#include <optional>
#include <QVector>

#include "core/grid/grid_axes.h"
#include "core/grid/grid_record.h"
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
class GridView;
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
  // Run → X/Y/Z plot…: one run per combination of the axes' values, one
  // after another (each a history entry with its chain), shown in the Grid
  // tab as they finish. False with a message where a cell would be refused.
  void openGridDialog();
  bool runGrid(const std::optional<diffscope::GridAxis>& x, const std::optional<diffscope::GridAxis>& y,
               const std::optional<diffscope::GridAxis>& z);
  bool gridRunning() const { return grid_.has_value(); }
  // The finished grid as a labelled PNG whose text restores any cell.
  bool saveGridTo(const QString& path);
  // The settings of cell `cell` (Z, then Y, then X) of a saved grid.
  bool restoreGridCell(const QString& path, int cell);
  // The CLIP tokenizer files a checkpoint lacked: remember them and run again.
  void useTokenizer(const QString& path);
  // Model → Get models…: the download dialog (deleted when closed).
  GetModelsDialog* openGetModels();

  ControlsPanel* controls() const { return controls_; }
  PreviewPanel* preview() const { return preview_; }
  ScheduleChart* scheduleChart() const { return schedule_; }
  PathChart* pathChart() const { return path_; }
  CompareView* compareView() const { return compare_; }
  GridView* gridView() const { return grid_view_; }
  ForwardExplorer* forwardExplorer() const { return explorer_; }
  HistoryPanel* history() const { return history_panel_; }
  RunController* runner() const { return runner_; }
  const QVector<RunRecord>& records() const { return records_; }
  // The bytes of steps the history keeps (history_budget.h); tests set less.
  void setHistoryBudget(int64_t bytes) { history_budget_ = bytes; }
  QString lastMessage() const;
  bool running() const;

 Q_SIGNALS:
  void runEnded();   // finished, failed or cancelled: tests wait on it
  void gridEnded();  // a grid's last cell finished, or the grid stopped

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void startRun(const diffscope::Request& request);
  void startGridCell();
  void gridCellFinished(int record_index);
  void stopGrid(const QString& why);
  bool restoreGridFromPng(const QString& path, const std::string& record_text);
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
  static QStringList step_prompts(const RunPlan& plan);
  const RunRecord* shownRecord() const;

  ControlsPanel* controls_;
  PreviewPanel* preview_;
  ScheduleChart* schedule_;
  PathChart* path_;
  CompareView* compare_;
  GridView* grid_view_;
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
  int64_t history_budget_;
  int shown_record_ = -1;  // index into records_ of what the preview shows
  bool live_ = false;      // records_.back() is the run in progress
  QElapsedTimer run_clock_;
  struct GridRun {
    std::vector<diffscope::GridCell> cells;
    std::vector<int> calls;  // each cell's model calls, for the ETA
    long total_calls = 0, done_calls = 0;
    size_t next = 0;  // the cell running now
    std::vector<int> cell_records;  // each finished cell's index in records_
    diffscope::GridRecord record;
    QElapsedTimer clock;
  };
  std::optional<GridRun> grid_;                          // the grid being run
  std::optional<diffscope::GridRecord> finished_grid_;  // the last finished one (Save grid)
};

}  // namespace diffscope::ui
