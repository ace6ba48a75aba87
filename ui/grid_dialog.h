#pragma once
// Run → X/Y/Z plot…: up to three settings and the values each takes, as
// A1111's X/Y/Z plot asks for them (ranges such as 10-30 (+10) included); the
// cell count and any mistake show as they are typed.
#include <QDialog>

#include <array>
#include <optional>

#include "core/grid/grid_axes.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QDialogButtonBox;

namespace diffscope::ui {

class GridDialog : public QDialog {
  Q_OBJECT

 public:
  explicit GridDialog(QWidget* parent = nullptr);

  // Axis 0 (X), 1 (Y) or 2 (Z): a setting key as parse_grid_axis takes it
  // ("sampler", "cfg", "lora:NAME"; "" for none) and its values.
  void setAxis(int axis, const QString& key, const QString& values);
  // The axes as parsed; nullopt for an unset one. Error text in error().
  std::array<std::optional<diffscope::GridAxis>, 3> axes() const;
  QString error() const;

 private:
  void update();
  struct Row {
    QComboBox* setting;
    QLineEdit* lora;  // the LoRA's name, for "LoRA weight"
    QLineEdit* values;
  };
  std::array<Row, 3> rows_;
  QLabel* summary_;
  QDialogButtonBox* buttons_;
};

}  // namespace diffscope::ui
