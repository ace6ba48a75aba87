#include "ui/history_panel.h"

#include <QAction>
#include <algorithm>

#include <QPixmap>

namespace diffscope::ui {

HistoryPanel::HistoryPanel(QWidget* parent) : QListWidget(parent) {
  setViewMode(QListView::ListMode);
  setIconSize(QSize(64, 64));
  setWordWrap(true);
  setToolTip(tr("This session's generations: click one to restore its settings and steps"));
  connect(this, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    if (selectedItems().size() <= 1) Q_EMIT runActivated(item->data(Qt::UserRole).toInt());
  });
  setSelectionMode(QAbstractItemView::ExtendedSelection);
  setContextMenuPolicy(Qt::ActionsContextMenu);
  auto* compare = new QAction(tr("Compare side by side"), this);
  compare->setObjectName("compareAction");
  connect(compare, &QAction::triggered, this, [this] { Q_EMIT compareRequested(selectedRuns()); });
  addAction(compare);
}

QList<int> HistoryPanel::selectedRuns() const {
  QList<int> runs;
  for (const QListWidgetItem* item : selectedItems()) runs.push_back(item->data(Qt::UserRole).toInt());
  std::sort(runs.begin(), runs.end());
  return runs;
}

namespace {

// " → 11 at 0.30": which variation seed the image moved towards, and how far.
QString variation_label(const VariationSeed& variation) {
  if (!variation.mixes()) return {};
  return QString(" → %1 at %2").arg(variation.seed).arg(variation.strength, 0, 'f', 2);
}

}  // namespace

void HistoryPanel::addRun(const RunRecord& record, int index, const QString& parameters) {
  const Request& r = record.outcome.request;
  auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(record.outcome.images.front().scaled(
                                       iconSize(), Qt::KeepAspectRatio, Qt::FastTransformation))),
                                   QString("%1\n%2 · %3 steps · seed %4%5")
                                       .arg(QString::fromStdString(r.prompt).section('\n', 0, 0).left(40))
                                       .arg(QString::fromStdString(sampler_info(r.sampler).a1111_name))
                                       .arg(r.steps)
                                       .arg(r.seed)
                                       .arg(variation_label(r.variation)));
  item->setData(Qt::UserRole, index);
  item->setToolTip(parameters);
  insertItem(0, item);
}

}  // namespace diffscope::ui
