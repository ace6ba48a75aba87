#pragma once
// This session's generations as a tree: a thumbnail and the parameters per
// run, newest first, each branch under the run it continues. A click asks
// the window to restore that run's settings and steps. Several chosen
// together (Ctrl/Shift-click) can be compared side by side.
#include <QTreeWidget>

#include "ui/run_record.h"

namespace diffscope::ui {

class HistoryPanel : public QTreeWidget {
  Q_OBJECT

 public:
  explicit HistoryPanel(QWidget* parent = nullptr);
  // Adds a finished run: at the top, or, for a branch whose parent is here,
  // first under its parent. `index` is the window's record number.
  void addRun(const RunRecord& record, int index, const QString& parameters);
  // The window's record numbers of the chosen runs, oldest first.
  QList<int> selectedRuns() const;
  // How many runs the tree holds, branches included.
  int runCount() const;
  // The entry of the window's record `index`, or nullptr.
  QTreeWidgetItem* itemForRun(int index) const;

 Q_SIGNALS:
  void runActivated(int index);
  void compareRequested(const QList<int>& indices);
};

}  // namespace diffscope::ui
