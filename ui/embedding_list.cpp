#include "ui/embedding_list.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QTextCursor>
#include <QVBoxLayout>

#include "core/models/adapters/embedding_folders.h"
#include "core/models/adapters/embedding_prompt.h"
#include "core/models/adapters/embedding_table.h"

namespace diffscope::ui {

EmbeddingList::EmbeddingList(QPlainTextEdit* prompt, QPlainTextEdit* negative, QWidget* parent)
    : QGroupBox(tr("Textual inversion"), parent), prompt_(prompt), negative_(negative) {
  folder_ = new QLineEdit(this);
  folder_->setPlaceholderText(tr("Embeddings folder (also searched: embeddings/ beside the checkpoint)"));
  auto* browse = new QPushButton(tr("…"), this);
  browse->setToolTip(tr("Choose the folder your embedding .safetensors files are in"));
  browse->setMaximumWidth(browse->fontMetrics().horizontalAdvance("…") + 24);
  auto* folder_row = new QHBoxLayout;
  folder_row->addWidget(folder_, 1);
  folder_row->addWidget(browse);
  rows_box_ = new QWidget(this);
  rows_layout_ = new QVBoxLayout(rows_box_);
  rows_layout_->setContentsMargins(0, 0, 0, 0);
  empty_ = new QLabel(tr("No embeddings found."), this);
  empty_->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(folder_row);
  layout->addWidget(rows_box_);
  layout->addWidget(empty_);
  setToolTip(
      tr("An embedding is used where a prompt writes its name, as in A1111. The boxes add the name to the "
         "prompt or the negative prompt, or take it out."));

  connect(browse, &QPushButton::clicked, this, [this] {
    const QString chosen = QFileDialog::getExistingDirectory(this, tr("Embeddings folder"), folder_->text());
    if (!chosen.isEmpty()) setFolder(chosen);
  });
  connect(folder_, &QLineEdit::editingFinished, this, [this] {
    rebuild();
    Q_EMIT changed();
  });
  connect(prompt_, &QPlainTextEdit::textChanged, this, &EmbeddingList::syncFromPrompts);
  connect(negative_, &QPlainTextEdit::textChanged, this, &EmbeddingList::syncFromPrompts);
}

void EmbeddingList::setModel(const QString& checkpoint, const ModelInfo& info) {
  checkpoint_ = checkpoint;
  info_ = info;
  rebuild();
}

QString EmbeddingList::folder() const { return folder_->text().trimmed(); }

void EmbeddingList::setFolder(const QString& folder) {
  folder_->setText(folder);
  rebuild();
  Q_EMIT changed();
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
    empty_->setVisible(true);
    return;
  }
  std::vector<std::string> asked;
  if (!folder().isEmpty()) asked.push_back(folder().toStdString());
  const EmbeddingScan scan = scan_embeddings(embedding_search_dirs(asked, checkpoint_.toStdString()));
  // `note`: why a greyed row is greyed, in a word or two (the tooltip says it all).
  auto add_row = [&](const std::string& name, const QString& what, const QString& refusal, const QString& path,
                     const QString& note) {
    auto* line = new QWidget(rows_box_);
    Row row{QString::fromStdString(name), new QCheckBox(tr("prompt"), line), new QCheckBox(tr("negative"), line)};
    auto* label = new QLabel(refusal.isEmpty() ? row.name : row.name + " (" + note + ")", line);
    label->setToolTip(path + "\n" + (refusal.isEmpty() ? what : refusal));
    auto* h = new QHBoxLayout(line);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(label, 1);
    h->addWidget(row.prompt);
    h->addWidget(row.negative);
    line->setEnabled(refusal.isEmpty());
    rows_layout_->addWidget(line);
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
  empty_->setVisible(rows_.empty());
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

void EmbeddingList::load(QSettings& settings) {
  folder_->setText(settings.value("embeddingFolder").toString());
  rebuild();
}

void EmbeddingList::save(QSettings& settings) const { settings.setValue("embeddingFolder", folder()); }

}  // namespace diffscope::ui
