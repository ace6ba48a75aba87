#pragma once
// A form row holding a path: a line edit (clearable) and a "…" button that
// opens a file or folder dialog, shared by the option groups.
#include <QString>

class QFormLayout;
class QLineEdit;
class QWidget;

namespace diffscope::ui {

QLineEdit* add_path_row(QWidget* owner, QFormLayout* form, const QString& label, const QString& placeholder,
                        const QString& dialog_title, const QString& filter, bool folder);

}  // namespace diffscope::ui
