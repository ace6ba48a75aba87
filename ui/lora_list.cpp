#include "ui/lora_list.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalBlocker>
#include <QSlider>
#include <QTextCursor>
#include <QVBoxLayout>
#include <cmath>

#include "core/common/errors.h"
#include "core/models/adapters/lora_prompt.h"

namespace diffscope::ui {

LoraList::LoraList(QPlainTextEdit* prompt, QWidget* parent)
    : FolderList({tr("LoRA"), tr("LoRA folder (also searched: the checkpoint's folder and its Lora/)"),
                  tr("Choose the folder your LoRA .safetensors files are in"), tr("LoRA folder"),
                  tr("No LoRA files found."), "loraFolder"},
                 parent),
      prompt_(prompt) {
  setToolTip(
      tr("Ticking a LoRA adds <lora:NAME:WEIGHT> to the prompt, as A1111 writes it; the slider sets "
         "its weight. Tags typed into the prompt tick their rows."));
  connect(prompt_, &QPlainTextEdit::textChanged, this, &LoraList::syncFromPrompt);
}

void LoraList::setModel(const QString& checkpoint) {
  checkpoint_ = checkpoint;
  rebuild();
}

QCheckBox* LoraList::checkBox(const QString& name) const {
  for (const Row& row : rows_) {
    if (row.name == name) return row.enabled;
  }
  return nullptr;
}

QSlider* LoraList::slider(const QString& name) const {
  for (const Row& row : rows_) {
    if (row.name == name) return row.weight;
  }
  return nullptr;
}

const LoraList::Row* LoraList::rowOf(const QCheckBox* box) const {
  for (const Row& row : rows_) {
    if (row.enabled == box) return &row;
  }
  return nullptr;
}

void LoraList::rebuild() {
  for (Row& row : rows_) row.enabled->parentWidget()->deleteLater();
  rows_.clear();
  std::vector<std::string> asked;
  if (!folder().isEmpty()) asked.push_back(folder().toStdString());
  const auto found = list_loras(lora_search_dirs(asked, checkpoint_.toStdString()));
  for (const auto& [name, path] : found) {
    auto* line = new QWidget(rowsBox());
    Row row;
    row.name = QString::fromStdString(name);
    row.enabled = new QCheckBox(row.name, line);
    row.enabled->setToolTip(QString::fromStdString(path.string()));
    row.weight = new QSlider(Qt::Horizontal, line);
    row.weight->setRange(-200, 200);
    row.weight->setValue(100);
    row.weight->setSingleStep(5);
    row.weight->setPageStep(25);
    row.value = new QLabel("1.00", line);
    row.value->setMinimumWidth(row.value->fontMetrics().horizontalAdvance("-0.00") + 4);
    auto* h = new QHBoxLayout(line);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(row.enabled, 2);
    h->addWidget(row.weight, 3);
    h->addWidget(row.value);
    rowsLayout()->addWidget(line);
    rows_.push_back(row);
    QCheckBox* box = row.enabled;
    connect(row.enabled, &QCheckBox::toggled, this, [this, box] {
      if (const Row* r = rowOf(box)) writeTag(*r);
    });
    connect(row.weight, &QSlider::valueChanged, this, [this, box](int value) {
      const Row* r = rowOf(box);
      if (r == nullptr) return;  // a row being replaced
      r->value->setText(QString::number(value / 100.0, 'f', 2));
      if (r->enabled->isChecked()) writeTag(*r);
    });
  }
  showEmpty(rows_.empty());
  syncFromPrompt();
}

void LoraList::syncFromPrompt() {
  if (syncing_) return;
  std::vector<LoraTag> tags;
  try {
    tags = lora_tags(prompt_->toPlainText().toStdString());
  } catch (const Error&) {
    return;  // a half-typed tag: the rows wait; a run says what is wrong
  }
  for (Row& row : rows_) {
    const LoraTag* tag = nullptr;
    for (const LoraTag& t : tags) {
      if (QString::fromStdString(t.name) == row.name) tag = &t;
    }
    const QSignalBlocker block_box(row.enabled), block_slider(row.weight);
    row.enabled->setChecked(tag != nullptr);
    if (tag != nullptr) {
      const int value = static_cast<int>(std::lround(tag->unet_weight * 100));
      row.weight->setValue(value);
      row.value->setText(QString::number(tag->unet_weight, 'f', 2));
    }
  }
}

void LoraList::writeTag(const Row& row) {
  std::string text;
  try {
    text = with_lora_weight(prompt_->toPlainText().toStdString(), row.name.toStdString(), row.weight->value() / 100.0,
                            row.enabled->isChecked());
  } catch (const Error&) {
    return;  // the prompt holds a broken tag: leave the user's text alone
  }
  // One edit of the document, so Ctrl+Z takes it back.
  syncing_ = true;
  QTextCursor cursor(prompt_->document());
  cursor.select(QTextCursor::Document);
  cursor.insertText(QString::fromStdString(text));
  syncing_ = false;
  Q_EMIT changed();
}

}  // namespace diffscope::ui
