#include "ui/history_panel.h"

#include <QAction>
#include <QPixmap>
#include <QTreeWidgetItemIterator>
#include <algorithm>

namespace diffscope::ui {

HistoryPanel::HistoryPanel(QWidget* parent) : QTreeWidget(parent) {
  setHeaderHidden(true);
  setColumnCount(1);
  setIndentation(16);
  setIconSize(QSize(64, 64));
  setWordWrap(true);
  setToolTip(tr("This session's generations: click one to restore its settings and steps; branches are listed "
                "under the run they continue"));
  connect(this, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
    if (selectedItems().size() <= 1) Q_EMIT runActivated(item->data(0, Qt::UserRole).toInt());
  });
  setSelectionMode(QAbstractItemView::ExtendedSelection);
  setContextMenuPolicy(Qt::ActionsContextMenu);
  auto* compare = new QAction(tr("Compare side by side"), this);
  compare->setObjectName("compareAction");
  connect(compare, &QAction::triggered, this, [this] { Q_EMIT compareRequested(selectedRuns()); });
  addAction(compare);
  auto* with_parent = new QAction(tr("Compare with its parent"), this);
  with_parent->setObjectName("compareWithParentAction");
  connect(with_parent, &QAction::triggered, this, [this] {
    const QTreeWidgetItem* item = currentItem();
    if (item == nullptr || item->data(0, Qt::UserRole + 1).toInt() < 0) return;
    Q_EMIT compareRequested({item->data(0, Qt::UserRole + 1).toInt(), item->data(0, Qt::UserRole).toInt()});
  });
  addAction(with_parent);
}

QList<int> HistoryPanel::selectedRuns() const {
  QList<int> runs;
  for (const QTreeWidgetItem* item : selectedItems()) runs.push_back(item->data(0, Qt::UserRole).toInt());
  std::sort(runs.begin(), runs.end());
  return runs;
}

int HistoryPanel::runCount() const {
  int count = 0;
  for (QTreeWidgetItemIterator it(const_cast<HistoryPanel*>(this)); *it; ++it) ++count;
  return count;
}

QTreeWidgetItem* HistoryPanel::itemForRun(int index) const {
  for (QTreeWidgetItemIterator it(const_cast<HistoryPanel*>(this)); *it; ++it) {
    if ((*it)->data(0, Qt::UserRole).toInt() == index) return *it;
  }
  return nullptr;
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
  auto* item = new QTreeWidgetItem;
  item->setIcon(0, QIcon(QPixmap::fromImage(record.outcome.images.front().scaled(iconSize(), Qt::KeepAspectRatio,
                                                                                   Qt::FastTransformation))));
  QString text = QString("%1\n%2 · %3 steps · seed %4%5")
                     .arg(QString::fromStdString(r.prompt).section('\n', 0, 0).left(40))
                     .arg(QString::fromStdString(sampler_info(r.sampler).a1111_name))
                     .arg(r.steps)
                     .arg(r.seed)
                     .arg(variation_label(r.variation));
  if (r.branch) {
    const int step = r.branch->at_step + 1;
    const int parent = record.parent_record;
    text += "\n" + (parent >= 0 ? tr("↳ branch of run %1 at step %2").arg(parent + 1).arg(step)
                                : tr("↳ a branch at step %1").arg(step));
  }
  if (!record.grid_label.isEmpty()) text += "\n" + tr("▦ grid cell: %1").arg(record.grid_label);
  item->setText(0, text);
  item->setData(0, Qt::UserRole, index);
  item->setData(0, Qt::UserRole + 1, record.parent_record);
  item->setToolTip(0, parameters);
  QTreeWidgetItem* parent = record.parent_record >= 0 ? itemForRun(record.parent_record) : nullptr;
  if (parent != nullptr) {
    parent->insertChild(0, item);
    parent->setExpanded(true);
  } else {
    insertTopLevelItem(0, item);
  }
}

}  // namespace diffscope::ui
