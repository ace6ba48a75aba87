#include "ui/path_row.h"

#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>

namespace diffscope::ui {

QLineEdit* add_path_row(QWidget* owner, QFormLayout* form, const QString& label, const QString& placeholder,
                        const QString& dialog_title, const QString& filter, bool folder) {
  auto* edit = new QLineEdit(owner);
  edit->setPlaceholderText(placeholder);
  edit->setClearButtonEnabled(true);
  auto* browse = new QToolButton(owner);
  browse->setText("…");
  browse->setToolTip(dialog_title);
  QObject::connect(browse, &QToolButton::clicked, owner, [owner, edit, dialog_title, filter, folder] {
    const QString chosen = folder ? QFileDialog::getExistingDirectory(owner, dialog_title, edit->text())
                                  : QFileDialog::getOpenFileName(owner, dialog_title, edit->text(), filter);
    if (!chosen.isEmpty()) edit->setText(chosen);
  });
  auto* row = new QHBoxLayout;
  row->addWidget(edit, 1);
  row->addWidget(browse);
  form->addRow(label, row);
  return edit;
}

}  // namespace diffscope::ui
