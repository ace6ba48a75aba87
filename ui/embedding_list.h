#pragma once
// The textual-inversion embeddings in reach of the chosen checkpoint
// (embeddings/ beside it, A1111's and ComfyUI's layouts, the user's data
// folder, and a folder the user picks), one row each: its name, what it is,
// and two boxes that write the name into the prompt or the negative prompt
// (or take it out). The prompts stay the one place a run's embeddings are
// written: typing a name ticks its box. A file this model cannot read, or an
// unreadable one, shows greyed with why.
#include <QString>
#include <vector>

#include "core/models/model_info.h"
#include "ui/folder_list.h"

class QCheckBox;
class QPlainTextEdit;

namespace diffscope::ui {

class EmbeddingList : public FolderList {
  Q_OBJECT

 public:
  EmbeddingList(QPlainTextEdit* prompt, QPlainTextEdit* negative, QWidget* parent = nullptr);

  // Lists the embeddings for a model (its checkpoint path and description).
  void setModel(const QString& checkpoint, const ModelInfo& info);
  int rowCount() const { return static_cast<int>(rows_.size()); }
  // A row's boxes, by name (tests drive them as a user would); nullptr when absent.
  QCheckBox* promptBox(const QString& name) const;
  QCheckBox* negativeBox(const QString& name) const;

 private:
  struct Row {
    QString name;
    QCheckBox* prompt;
    QCheckBox* negative;
  };
  void rebuild() override;
  void syncFromPrompts();
  void write(QPlainTextEdit* edit, const QString& name, bool present);

  QPlainTextEdit* prompt_;
  QPlainTextEdit* negative_;
  QString checkpoint_;
  ModelInfo info_;
  std::vector<Row> rows_;
  bool syncing_ = false;
};

}  // namespace diffscope::ui
