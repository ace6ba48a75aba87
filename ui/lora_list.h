#pragma once
// The LoRAs in reach of the chosen checkpoint (its folder, Lora/ and loras/
// beside it, the user's data folder, and a folder the user picks), one row
// each: a checkbox and a weight slider. The prompt's <lora:NAME:WEIGHT> tags
// stay the one place a run's LoRAs are written: the rows edit the tags, and
// typing a tag ticks its row, so the PNG, the CLI and the app agree.
#include <QString>
#include <vector>

#include "ui/folder_list.h"

class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QSlider;

namespace diffscope::ui {

class LoraList : public FolderList {
  Q_OBJECT

 public:
  LoraList(QPlainTextEdit* prompt, QWidget* parent = nullptr);

  // Lists the LoRAs for a checkpoint (a path, or empty for models without LoRAs).
  void setModel(const QString& checkpoint);
  int rowCount() const { return static_cast<int>(rows_.size()); }
  // A row's controls, by LoRA name (tests drive them as a user would).
  QCheckBox* checkBox(const QString& name) const;
  QSlider* slider(const QString& name) const;

 private:
  struct Row {
    QString name;
    QCheckBox* enabled;
    QSlider* weight;  // hundredths, −200 … 200
    QLabel* value;
  };
  void rebuild() override;
  const Row* rowOf(const QCheckBox* box) const;
  void syncFromPrompt();          // tags → rows
  void writeTag(const Row& row);  // row → tag

  QPlainTextEdit* prompt_;
  QString checkpoint_;
  std::vector<Row> rows_;
  bool syncing_ = false;
};

}  // namespace diffscope::ui
