// MainWindow's X/Y/Z plot: the cells run one after another as ordinary runs
// (each a history entry with its chain), the Grid tab fills as they finish,
// and the saved PNG restores any cell.
#include <QInputDialog>
#include <QTabWidget>
#include <QTimer>

#include "core/common/system_memory.h"
#include "core/grid/grid_record.h"
#include "core/io/png_image.h"
#include "core/pipeline/parameters_parse.h"
#include "core/pipeline/pipeline.h"
#include "ui/controls_panel.h"
#include "ui/grid_dialog.h"
#include "ui/grid_view.h"
#include "ui/history_budget.h"
#include "ui/main_window.h"
#include "ui/tensor_image.h"
#include "ui/word_map_overlay.h"

namespace diffscope::ui {
namespace {

QString cell_label(const GridRecord& record, const GridRecordCell& cell) {
  return QString::fromStdString(grid_cell_label(record, cell.x, cell.y, cell.z));
}

}  // namespace

void MainWindow::openGridDialog() {
  GridDialog dialog(this);
  if (dialog.exec() != QDialog::Accepted) return;
  const auto axes = dialog.axes();
  runGrid(axes[0], axes[1], axes[2]);
}

bool MainWindow::runGrid(const std::optional<GridAxis>& x, const std::optional<GridAxis>& y,
                         const std::optional<GridAxis>& z) {
  GridRun grid;
  try {
    if (!x) throw Error("a grid needs an X axis");
    Request base = controls_->requestForRun();
    base.word_maps = preview_->wordMapPicker()->recording();
    grid.cells = grid_cells(base, x, y, z);
    // Every cell is checked before the first runs: a mistake in the last
    // value should not cost the runs before it.
    for (const GridCell& cell : grid.cells) {
      grid.calls.push_back(Pipeline::plan(cell.request, /*keep_history=*/true).model_calls);
      grid.total_calls += grid.calls.back();
    }
  } catch (const std::exception& e) {
    showMessage(tr("Cannot make the grid: %1").arg(QString::fromUtf8(e.what())), true);
    return false;
  }
  grid.record = GridRecord{grid_record_axis(x), grid_record_axis(y), grid_record_axis(z), {}};
  GridLayout layout;
  layout.columns = x->values.size();
  layout.rows = y ? y->values.size() : 1;
  layout.pages = z ? z->values.size() : 1;
  layout.column_labels = grid.record.x.labels;
  layout.row_labels = grid.record.y.labels;
  layout.page_titles = grid.record.z.labels;
  grid_view_->setGrid(layout);
  finished_grid_.reset();  // the Grid tab shows the new one: Save grid waits for it
  grid_ = std::move(grid);
  grid_->clock.start();
  tabs_->setCurrentWidget(grid_view_);
  startGridCell();
  return true;
}

void MainWindow::startGridCell() {
  if (!grid_) return;
  const size_t next = grid_->next;
  const size_t total = grid_->cells.size();
  QString eta;
  if (grid_->done_calls > 0) {
    const double per_call = double(grid_->clock.elapsed()) / 1000.0 / double(grid_->done_calls);
    eta = tr(" · ETA %1 s").arg(per_call * double(grid_->total_calls - grid_->done_calls), 0, 'f', 1);
  }
  grid_view_->setStatus(
      tr("Grid: cell %1 of %2 (%3)%4")
          .arg(next + 1)
          .arg(total)
          .arg(cell_label(grid_->record, {grid_->cells[next].x, grid_->cells[next].y, grid_->cells[next].z, {}}))
          .arg(eta),
      true);
  startRun(grid_->cells[next].request);
}

void MainWindow::gridCellFinished(int record_index) {
  if (!grid_) return;
  const size_t index = grid_->next;
  const GridCell& cell = grid_->cells[index];
  const RunRecord& record = records_[record_index];
  grid_view_->setCell(int(index), record.outcome.images.front(), record_index);
  grid_->record.cells.push_back({cell.x, cell.y, cell.z, parametersFor(record, 0).toStdString()});
  grid_->done_calls += grid_->calls[index];
  grid_->cell_records.push_back(record_index);
  if (index == 0) {
    // The history keeps steps within a memory budget, newest first: say now,
    // not after an hour, when the first cells' chains will not all fit.
    const int64_t needed = run_steps_bytes(record) * int64_t(grid_->cells.size());
    if (needed > history_budget_) {
      showMessage(tr("This grid's chains need about %1 and the history keeps %2 of steps: the first cells will keep "
                     "their images and settings, the last ones their chains too.")
                      .arg(QString::fromStdString(format_bytes(uint64_t(needed))))
                      .arg(QString::fromStdString(format_bytes(uint64_t(history_budget_)))),
                  false);
    }
  }
  if (++grid_->next < grid_->cells.size()) {
    // After this run's end has been handled everywhere (runEnded).
    QTimer::singleShot(0, this, [this] { startGridCell(); });
    return;
  }
  finished_grid_ = grid_->record;
  int without_chain = 0;
  for (const int cell_record : grid_->cell_records) without_chain += records_[cell_record].steps_dropped ? 1 : 0;
  const QString kept = without_chain == 0 ? QString()
                                          : tr(" The first %1 cells' steps were let go to bound memory (the history "
                                               "keeps %2); their images and settings are kept.")
                                                .arg(without_chain)
                                                .arg(QString::fromStdString(format_bytes(uint64_t(history_budget_))));
  grid_view_->setStatus(tr("Grid of %1 cells in %2 s. Click a cell to open its run.%3")
                            .arg(grid_->cells.size())
                            .arg(double(grid_->clock.elapsed()) / 1000.0, 0, 'f', 1)
                            .arg(kept),
                        false);
  grid_.reset();
  Q_EMIT gridEnded();
}

void MainWindow::stopGrid(const QString& why) {
  if (!grid_) return;
  grid_view_->setStatus(tr("Grid stopped after %1 of %2 cells: %3").arg(grid_->next).arg(grid_->cells.size()).arg(why),
                        false);
  grid_.reset();
  Q_EMIT gridEnded();
}

bool MainWindow::saveGridTo(const QString& path) {
  if (!finished_grid_ || finished_grid_->cells.empty()) {
    showMessage(tr("There is no finished grid to save yet."), true);
    return false;
  }
  try {
    write_png(path.toStdString(), hwc_from_image(grid_view_->render()),
              {{"parameters", finished_grid_->cells.front().parameters},
               {kGridTextKey, format_grid_record(*finished_grid_)}});
  } catch (const std::exception& e) {
    showMessage(tr("Could not save the grid: %1").arg(QString::fromUtf8(e.what())), true);
    return false;
  }
  showMessage(tr("Saved the grid to %1; each cell's settings are in it.").arg(path), false);
  return true;
}

bool MainWindow::restoreGridCell(const QString& path, int cell) {
  try {
    const auto text = read_png_text(path.toStdString());
    const auto found = text.find(kGridTextKey);
    if (found == text.end()) throw Error("it is not a DiffScope grid");
    const GridRecord record = parse_grid_record(found->second);
    if (cell < 0 || size_t(cell) >= record.cells.size()) throw Error("the grid has no such cell");
    const GridRecordCell& chosen = record.cells[size_t(cell)];
    const ParsedParameters parsed = parse_parameters(chosen.parameters);
    controls_->apply(parsed.request);
    pending_branch_.reset();
    showMessage(tr("Restored the settings of the grid's cell %1 (%2).").arg(cell + 1).arg(cell_label(record, chosen)),
                false);
    return true;
  } catch (const std::exception& e) {
    showMessage(tr("Cannot restore settings from %1: %2").arg(path, QString::fromUtf8(e.what())), true);
    return false;
  }
}

// A grid's PNG dropped or opened: which cell?
bool MainWindow::restoreGridFromPng(const QString& path, const std::string& record_text) {
  try {
    const GridRecord record = parse_grid_record(record_text);
    QStringList cells;
    for (const GridRecordCell& cell : record.cells) cells.push_back(cell_label(record, cell));
    if (cells.size() <= 1) return restoreGridCell(path, 0);
    bool ok = false;
    const QString chosen =
        QInputDialog::getItem(this, tr("Restore a grid cell"), tr("Which cell's settings?"), cells, 0, false, &ok);
    if (!ok) return false;
    return restoreGridCell(path, int(cells.indexOf(chosen)));
  } catch (const std::exception& e) {
    showMessage(tr("Cannot restore settings from %1: %2").arg(path, QString::fromUtf8(e.what())), true);
    return false;
  }
}

}  // namespace diffscope::ui
