#include "ui/embedding_list.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalBlocker>
#include <QTextCursor>
#include <QVBoxLayout>

#include "core/models/adapters/embedding_folders.h"
#include "core/models/adapters/embedding_prompt.h"
#include "core/models/adapters/embedding_table.h"

namespace diffscope::ui {

EmbeddingList::EmbeddingList(QPlainTextEdit* prompt, QPlainTextEdit* negative, QWidget* parent)
    : FolderList({tr("Textual inversion"), tr("Embeddings folder (also searched: embeddings/ beside the checkpoint)"),
                  tr("Choose the folder your embedding files (.safetensors, .pt, .bin) are in"),
                  tr("Embeddings folder"), tr("No embeddings found."), "embeddingFolder"},
                 parent),
      prompt_(prompt),
      negative_(negative) {
  setToolTip(
      tr("An embedding is used where a prompt writes its name, as in A1111. The boxes add the name to the "
         "prompt or the negative prompt, or take it out."));
  connect(prompt_, &QPlainTextEdit::textChanged, this, &EmbeddingList::syncFromPrompts);
  connect(negative_, &QPlainTextEdit::textChanged, this, &EmbeddingList::syncFromPrompts);
}

void EmbeddingList::setModel(const QString& checkpoint, const ModelInfo& info) {
  checkpoint_ = checkpoint;
  info_ = info;
  rebuild();
}

QCheckBox* EmbeddingList::promptBox(const QString& name) const {
  for (const Row& row : rows_) {
    if (row.name == name) return row.prompt;
  }
  return nullptr;
}

QCheckBox* EmbeddingList::negativeBox(const QString& name) const {
  for (const Row& row : rows_) {
    if (row.name == name) return row.negative;
  }
  return nullptr;
}

void EmbeddingList::rebuild() {
  for (Row& row : rows_) row.prompt->parentWidget()->deleteLater();
  rows_.clear();
  if (!info_.options.embeddings) {
    showEmpty(true);
    return;
  }
  std::vector<std::string> asked;
  if (!folder().isEmpty()) asked.push_back(folder().toStdString());
  const EmbeddingScan scan = scan_embeddings(embedding_search_dirs(asked, checkpoint_.toStdString()));
  // `note`: why a greyed row is greyed, in a word or two (the tooltip says it all).
  auto add_row = [&](const std::string& name, const QString& what, const QString& refusal, const QString& path,
                     const QString& note) {
    auto* line = new QWidget(rowsBox());
    Row row{QString::fromStdString(name), new QCheckBox(tr("prompt"), line), new QCheckBox(tr("negative"), line)};
    auto* label = new QLabel(refusal.isEmpty() ? row.name : row.name + " (" + note + ")", line);
    label->setToolTip(path + "\n" + (refusal.isEmpty() ? what : refusal));
    auto* h = new QHBoxLayout(line);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(label, 1);
    h->addWidget(row.prompt);
    h->addWidget(row.negative);
    line->setEnabled(refusal.isEmpty());
    rowsLayout()->addWidget(line);
    rows_.push_back(row);
    const QString key = row.name;
    connect(row.prompt, &QCheckBox::toggled, this, [this, key](bool on) { write(prompt_, key, on); });
    connect(row.negative, &QCheckBox::toggled, this, [this, key](bool on) { write(negative_, key, on); });
  };
  for (const EmbeddingFile& file : scan.files) {
    const std::string mismatch = embedding_mismatch(file, info_);
    add_row(file.name(), QString::fromStdString(file.describe()), QString::fromStdString(mismatch),
            QString::fromStdString(file.path().string()), tr("another model's"));
  }
  for (const RefusedEmbedding& refused : scan.refused) {
    add_row(refused.name, {}, QString::fromStdString(refused.reason), QString::fromStdString(refused.path.string()),
            tr("unreadable"));
  }
  showEmpty(rows_.empty());
  syncFromPrompts();
}

void EmbeddingList::syncFromPrompts() {
  if (syncing_) return;
  const std::string prompt = prompt_->toPlainText().toStdString();
  const std::string negative = negative_->toPlainText().toStdString();
  for (Row& row : rows_) {
    const QSignalBlocker block_prompt(row.prompt), block_negative(row.negative);
    row.prompt->setChecked(names_embedding(prompt, row.name.toStdString()));
    row.negative->setChecked(names_embedding(negative, row.name.toStdString()));
  }
}

void EmbeddingList::write(QPlainTextEdit* edit, const QString& name, bool present) {
  const std::string text = with_embedding(edit->toPlainText().toStdString(), name.toStdString(), present);
  // One edit of the document, so Ctrl+Z takes it back.
  syncing_ = true;
  QTextCursor cursor(edit->document());
  cursor.select(QTextCursor::Document);
  cursor.insertText(QString::fromStdString(text));
  syncing_ = false;
  syncFromPrompts();
  Q_EMIT changed();
}

}  // namespace diffscope::ui
