#include "ui/grid_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/sampling/sampler.h"
#include "core/schedule/spacing.h"

namespace diffscope::ui {
namespace {

struct SettingChoice {
  const char* key;    // as parse_grid_axis reads it; "" for none
  const char* label;  // as A1111 names it
  const char* hint;   // example values
};

const SettingChoice kChoices[] = {
    {"", "Nothing", ""},
    {"sampler", "Sampler", ""},  // filled with every sampler
    {"steps", "Steps", "10-30 (+10)"},
    {"cfg", "CFG Scale", "3, 5, 7.5"},
    {"seed", "Seed", "1, 2, 3  (-1: random)"},
    {"prompt", "Prompt S/R", "the word to replace, then what replaces it: apple, pear, fig"},
    {"spacing", "Schedule type (spacing)", ""},  // filled with every spacing
    {"schedule", "Noise schedule", "linear, scaled-linear, cosine"},
    {"model", "Checkpoint name", "diffscope-emoji, /path/to/model.safetensors"},
    {"lora", "LoRA weight", "0, 0.5, 1"},
};

QString default_values(const QString& key) {
  QStringList names;
  if (key == "sampler") {
    for (const SamplerInfo& sampler : all_samplers()) names.push_back(QString::fromStdString(sampler.name));
  } else if (key == "spacing") {
    for (const std::string& name : spacing_names()) names.push_back(QString::fromStdString(name));
  }
  return names.join(", ");
}

}  // namespace

GridDialog::GridDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("X/Y/Z plot"));
  auto* form = new QFormLayout;
  const char* names[] = {"X (columns)", "Y (rows)", "Z (one grid each)"};
  for (int i = 0; i < 3; ++i) {
    Row& row = rows_[size_t(i)];
    row.setting = new QComboBox;
    for (const SettingChoice& choice : kChoices) row.setting->addItem(tr(choice.label), QString(choice.key));
    row.lora = new QLineEdit;
    row.lora->setPlaceholderText(tr("LoRA name"));
    row.lora->setVisible(false);
    row.values = new QLineEdit;
    auto* line = new QHBoxLayout;
    line->addWidget(row.setting);
    line->addWidget(row.lora);
    line->addWidget(row.values, 1);
    form->addRow(tr(names[i]), line);
    connect(row.setting, &QComboBox::currentIndexChanged, this, [this, i] {
      Row& r = rows_[size_t(i)];
      const QString key = r.setting->currentData().toString();
      const SettingChoice& choice = kChoices[r.setting->currentIndex()];
      r.lora->setVisible(key == "lora");
      r.values->setPlaceholderText(tr(choice.hint));
      r.values->setText(default_values(key));
      update();
    });
    connect(row.values, &QLineEdit::textChanged, this, &GridDialog::update);
    connect(row.lora, &QLineEdit::textChanged, this, &GridDialog::update);
  }
  summary_ = new QLabel;
  summary_->setWordWrap(true);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Run grid"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(summary_);
  layout->addWidget(buttons_);
  setAxis(0, "sampler", default_values("sampler"));
  setMinimumWidth(560);
}

void GridDialog::setAxis(int axis, const QString& key, const QString& values) {
  Row& row = rows_[size_t(axis)];
  const bool lora = key.startsWith("lora:");
  row.setting->setCurrentIndex(row.setting->findData(lora ? QString("lora") : key));
  if (lora) row.lora->setText(key.mid(5));
  row.values->setText(values);
  update();
}

std::array<std::optional<GridAxis>, 3> GridDialog::axes() const {
  std::array<std::optional<GridAxis>, 3> axes;
  for (size_t i = 0; i < 3; ++i) {
    const Row& row = rows_[i];
    QString key = row.setting->currentData().toString();
    if (key.isEmpty()) continue;
    if (key == "lora") key += ":" + row.lora->text().trimmed();
    axes[i] = parse_grid_axis((key + "=" + row.values->text()).toStdString());
  }
  return axes;
}

QString GridDialog::error() const {
  try {
    const auto parsed = axes();
    if (!parsed[0]) return tr("Choose the X axis's setting.");
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

void GridDialog::update() {
  const QString problem = error();
  size_t cells = 1;
  if (problem.isEmpty()) {
    for (const auto& axis : axes()) cells *= axis ? axis->values.size() : 1;
  }
  const bool ok = problem.isEmpty() && cells <= kMaxGridCells;
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(ok);
  summary_->setText(!problem.isEmpty() ? problem
                    : ok ? tr("%n run(s), one after another, each kept in the history with its chain.", "", int(cells))
                         : tr("%1 cells: at most %2.").arg(cells).arg(kMaxGridCells));
  summary_->setStyleSheet(ok ? QString() : "QLabel { color: #8a1c13; }");
}

}  // namespace diffscope::ui
