#pragma once
// Selects the combo box entry whose data is `data`; leaves it as it is when
// none has it (a value from an older settings file, say).
#include <QComboBox>

namespace diffscope::ui {

inline void select_data(QComboBox* combo, const QString& data) {
  const int index = combo->findData(data);
  if (index >= 0) combo->setCurrentIndex(index);
}

}  // namespace diffscope::ui
