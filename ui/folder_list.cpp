#include "ui/folder_list.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace diffscope::ui {

FolderList::FolderList(const FolderListText& text, QWidget* parent)
    : QGroupBox(text.title, parent), settings_key_(text.settings_key) {
  folder_ = new QLineEdit(this);
  folder_->setPlaceholderText(text.placeholder);
  auto* browse = new QPushButton(tr("…"), this);
  browse->setToolTip(text.browse_tip);
  browse->setMaximumWidth(browse->fontMetrics().horizontalAdvance("…") + 24);
  auto* folder_row = new QHBoxLayout;
  folder_row->addWidget(folder_, 1);
  folder_row->addWidget(browse);
  rows_box_ = new QWidget(this);
  rows_layout_ = new QVBoxLayout(rows_box_);
  rows_layout_->setContentsMargins(0, 0, 0, 0);
  empty_ = new QLabel(text.empty, this);
  empty_->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(folder_row);
  layout->addWidget(rows_box_);
  layout->addWidget(empty_);

  const QString dialog_title = text.dialog;
  connect(browse, &QPushButton::clicked, this, [this, dialog_title] {
    const QString chosen = QFileDialog::getExistingDirectory(this, dialog_title, folder_->text());
    if (!chosen.isEmpty()) setFolder(chosen);
  });
  connect(folder_, &QLineEdit::editingFinished, this, [this] {
    rebuild();
    Q_EMIT changed();
  });
}

QString FolderList::folder() const { return folder_->text().trimmed(); }

void FolderList::setFolder(const QString& folder) {
  folder_->setText(folder);
  rebuild();
  Q_EMIT changed();
}

void FolderList::showEmpty(bool empty) { empty_->setVisible(empty); }

void FolderList::load(QSettings& settings) {
  folder_->setText(settings.value(settings_key_).toString());
  rebuild();
}

void FolderList::save(QSettings& settings) const { settings.setValue(settings_key_, folder()); }

}  // namespace diffscope::ui
