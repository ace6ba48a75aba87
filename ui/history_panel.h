#pragma once
// This session's generations: a thumbnail and the parameters per run; a click
// asks the window to restore that run's settings and steps. Several chosen
// together (Ctrl/Shift-click) can be compared side by side.
#include <QListWidget>

#include "ui/run_record.h"

namespace diffscope::ui {

class HistoryPanel : public QListWidget {
  Q_OBJECT

 public:
  explicit HistoryPanel(QWidget* parent = nullptr);
  // Adds a finished run at the top; `index` is the window's record number.
  void addRun(const RunRecord& record, int index, const QString& parameters);
  // The window's record numbers of the chosen runs, oldest first.
  QList<int> selectedRuns() const;

 Q_SIGNALS:
  void runActivated(int index);
  void compareRequested(const QList<int>& indices);
};

}  // namespace diffscope::ui
