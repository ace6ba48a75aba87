#include "ui/controls_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpressionValidator>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include "core/common/errors.h"
#include "core/common/runtime.h"
#include "core/models/model_paths.h"
#include "core/pipeline/model_registry.h"
#include "core/pipeline/request_limits.h"
#include "core/sampling/sampler.h"
#include "core/schedule/noise_schedule.h"
#include "core/schedule/spacing.h"
#include "ui/checkpoint_options.h"
#include "ui/combo_select.h"
#include "ui/embedding_list.h"
#include "ui/fast_setting_button.h"
#include "ui/lora_list.h"
#include "ui/start_image_options.h"
#include "ui/variation_controls.h"

namespace diffscope::ui {
namespace {

constexpr int kSliderMaxSteps = 150;  // the spin box goes to the engine's 1000
constexpr int kRecentCheckpoints = 8;
// Model list entries that open a dialog instead of naming a model.
const QString kOpenFile = "::open-file";
const QString kOpenFolder = "::open-folder";

QComboBox* combo_of(const std::vector<std::string>& items, QWidget* parent) {
  auto* combo = new QComboBox(parent);
  for (const auto& item : items) combo->addItem(QString::fromStdString(item), QString::fromStdString(item));
  return combo;
}

bool cuda_available() {
  try {
    resolve_device("cuda");
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

ControlsPanel::ControlsPanel(QWidget* parent) : QWidget(parent) {
  prompt_ = new QPlainTextEdit(this);
  prompt_->setPlaceholderText(tr("Describe the image, e.g. \"cat\" (Ctrl+Enter generates)"));
  prompt_->setTabChangesFocus(true);
  as_written_ = new QCheckBox(tr("Read the prompt as written"), this);
  as_written_->setObjectName("promptAsWritten");
  as_written_->setToolTip(
      tr("The built-in model draws only the emoji it was trained on, so it reads a prompt in other words as the "
         "nearest emoji name (the status line says which). Tick to read your own words instead: the model then "
         "mixes what it knows of each word."));
  negative_ = new QPlainTextEdit(this);
  negative_->setPlaceholderText(tr("What to steer away from (used with CFG ≠ 1)"));
  negative_->setTabChangesFocus(true);
  negative_->setMaximumHeight(60);

  installed_models_ = int(model_registry::installed_models().size());
  model_ = combo_of(model_registry::installed_models(), this);
  model_->insertSeparator(model_->count());
  model_->addItem(tr("Open Stable Diffusion checkpoint…"), kOpenFile);
  model_->addItem(tr("Open diffusers folder…"), kOpenFolder);
  model_->setToolTip(
      tr("diffscope-emoji: the built-in latent diffusion model (autoencoder, text encoder, U-Net), "
         "trained by DiffScope on emoji art; draws 64×64\n"
         "oracle: the exact denoiser of the EmojiOne image set — no training, shows what an ideal "
         "model does\n"
         "Stable Diffusion 1.x / 2.x: a .safetensors checkpoint or a diffusers folder of yours"));
  sd_options_ = new CheckpointOptions(this);
  start_image_ = new StartImageOptions(this);
  loras_ = new LoraList(prompt_, this);
  embeddings_ = new EmbeddingList(prompt_, negative_, this);
  sampler_ = new QComboBox(this);
  for (const SamplerInfo& s : all_samplers()) {
    sampler_->addItem(QString::fromStdString(s.a1111_name), QString::fromStdString(s.name));
    sampler_->setItemData(sampler_->count() - 1, QString::fromStdString(s.description), Qt::ToolTipRole);
  }
  // A1111's "Schedule type" labels, as the sampler box shows its names; the
  // data stays DiffScope's name (settings, --spacing).
  spacing_ = new QComboBox(this);
  spacing_->setObjectName("spacing");
  spacing_->addItem(tr("Automatic"), "auto");
  for (const auto& name : spacing_names()) {
    spacing_->addItem(QString::fromStdString(spacing_label(spacing_by_name(name))), QString::fromStdString(name));
  }
  spacing_->setToolTip(
      tr("Which noise levels the sampler visits (A1111's schedule type; Automatic: the sampler's usual choice)"));
  std::vector<std::string> schedules = {"auto"};
  for (const auto& s : NoiseSchedule::names()) schedules.push_back(s);
  schedule_ = combo_of(schedules, this);
  schedule_->setToolTip(tr("The noise schedule β_t (auto: the model's own)"));
  eta_ = new QDoubleSpinBox(this);
  eta_->setRange(limits::kMinEta, limits::kMaxEta);
  eta_->setSingleStep(0.1);
  eta_->setToolTip(tr("η: how much fresh noise each step adds (0: deterministic)"));
  ddpm_variance_ = new QComboBox(this);
  ddpm_variance_->addItem(tr("β̃ (posterior)"), "beta-tilde");
  ddpm_variance_->addItem(tr("β (upper bound)"), "beta");

  steps_slider_ = new QSlider(Qt::Horizontal, this);
  steps_slider_->setRange(limits::kMinSteps, kSliderMaxSteps);
  steps_ = new QSpinBox(this);
  steps_->setRange(limits::kMinSteps, limits::kMaxSteps);
  steps_->setValue(20);
  steps_slider_->setValue(20);
  connect(steps_slider_, &QSlider::valueChanged, steps_, &QSpinBox::setValue);
  connect(steps_, &QSpinBox::valueChanged, this, [this](int v) {
    const QSignalBlocker block(steps_slider_);
    steps_slider_->setValue(std::min(v, kSliderMaxSteps));
  });
  fast_ = new FastSettingButton(this);
  connect(fast_, &FastSettingButton::fastRequested, this, [this] {
    select_data(sampler_, QString::fromStdString(sampler_info(fast_->setting().sampler).name));
    select_data(spacing_, "auto");  // the sampler's own, as it was measured
    steps_->setValue(fast_->setting().steps);
  });
  connect(fast_, &FastSettingButton::defaultsRequested, this, &ControlsPanel::applyModelSampling);
  cfg_ = new QDoubleSpinBox(this);
  cfg_->setRange(limits::kMinCfg, limits::kMaxCfg);
  cfg_->setSingleStep(0.5);
  cfg_->setValue(1.0);
  cfg_->setToolTip(tr("Classifier-free guidance: 1 follows the prompt's distribution, larger pushes harder"));

  seed_ = new QLineEdit("0", this);
  seed_->setValidator(new QRegularExpressionValidator(QRegularExpression("\\d{1,18}"), seed_));
  random_seed_ = new QCheckBox(tr("Random"), this);
  random_seed_->setChecked(true);
  reuse_seed_ = new QPushButton(tr("Reuse last"), this);
  reuse_seed_->setEnabled(false);
  connect(random_seed_, &QCheckBox::toggled, seed_, &QWidget::setDisabled);
  seed_->setDisabled(true);
  connect(reuse_seed_, &QPushButton::clicked, this, [this] {
    random_seed_->setChecked(false);
    seed_->setText(QString::number(last_seed_));
  });
  variation_ = new VariationControls(this);
  // The strength slider reruns with the seed the shown image had.
  connect(variation_, &VariationControls::regenerateRequested, this, [this] {
    if (random_seed_->isChecked() && last_seed_ >= 0) {
      random_seed_->setChecked(false);
      seed_->setText(QString::number(last_seed_));
    }
    Q_EMIT generateClicked();
  });
  width_ = new QSpinBox(this);
  height_ = new QSpinBox(this);
  for (QSpinBox* side : {width_, height_}) {
    side->setRange(1, limits::kMaxImageSide);  // narrowed to the model's sizes in modelChanged()
    side->setValue(64);
    side->setSuffix(" px");
  }
  batch_ = new QSpinBox(this);
  batch_->setRange(limits::kMinBatch, limits::kMaxBatch);
  device_ = new QComboBox(this);
  device_->addItem(tr("Automatic"), "auto");
  device_->addItem(tr("CPU"), "cpu");
  device_->addItem(tr("CUDA GPU"), "cuda");
  if (!cuda_available()) {
    device_->setItemData(2, 0, Qt::UserRole - 1);  // disabled: no GPU that LibTorch can use
    device_->setItemData(2, tr("No CUDA GPU found"), Qt::ToolTipRole);
  }

  generate_ = new QPushButton(tr("Generate"), this);
  generate_->setDefault(true);
  generate_->setToolTip(tr("Ctrl+Enter"));
  cancel_ = new QPushButton(tr("Cancel"), this);
  cancel_->setToolTip(tr("Esc"));
  cancel_->setEnabled(false);
  connect(generate_, &QPushButton::clicked, this, &ControlsPanel::generateClicked);
  connect(cancel_, &QPushButton::clicked, this, &ControlsPanel::cancelClicked);

  auto* form = new QFormLayout;
  form->addRow(tr("Model"), model_);
  few_step_note_ = new QLabel(this);
  few_step_note_->setObjectName("fewStepNote");
  few_step_note_->setWordWrap(true);
  few_step_note_->setVisible(false);
  form->addRow(QString(), few_step_note_);
  form->addRow(tr("Sampler"), sampler_);
  form->addRow(tr("Spacing"), spacing_);
  form->addRow(tr("Noise schedule"), schedule_);
  form->addRow(tr("η (eta)"), eta_);
  form->addRow(tr("DDPM variance"), ddpm_variance_);
  auto* steps_row = new QHBoxLayout;
  steps_row->addWidget(steps_slider_, 1);
  steps_row->addWidget(steps_);
  steps_row->addWidget(fast_);
  form->addRow(tr("Steps"), steps_row);
  form->addRow(tr("CFG scale"), cfg_);
  auto* seed_row = new QHBoxLayout;
  seed_row->addWidget(seed_, 1);
  seed_row->addWidget(random_seed_);
  seed_row->addWidget(reuse_seed_);
  form->addRow(tr("Seed"), seed_row);
  auto* size_row = new QHBoxLayout;
  size_row->addWidget(width_);
  size_row->addWidget(new QLabel("×", this));
  size_row->addWidget(height_);
  form->addRow(tr("Size"), size_row);
  form->addRow(tr("Batch"), batch_);
  form->addRow(tr("Device"), device_);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(generate_, 1);
  buttons->addWidget(cancel_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Prompt"), this));
  layout->addWidget(prompt_, 2);
  layout->addWidget(as_written_);
  layout->addWidget(new QLabel(tr("Negative prompt"), this));
  layout->addWidget(negative_, 1);
  layout->addLayout(form);
  layout->addWidget(variation_);
  layout->addWidget(start_image_);
  layout->addWidget(sd_options_);
  layout->addWidget(loras_);
  layout->addWidget(embeddings_);
  layout->addLayout(buttons);
  layout->addStretch();

  connect(sampler_, &QComboBox::currentIndexChanged, this, &ControlsPanel::samplerChanged);
  connect(model_, &QComboBox::currentIndexChanged, this, &ControlsPanel::modelChanged);
  for (QComboBox* combo : {model_, sampler_, spacing_, schedule_, device_}) {
    connect(combo, &QComboBox::currentIndexChanged, this, &ControlsPanel::settingsChanged);
  }
  for (QSpinBox* spin : {steps_, width_, height_, batch_}) {
    connect(spin, &QSpinBox::valueChanged, this, &ControlsPanel::settingsChanged);
  }
  connect(cfg_, &QDoubleSpinBox::valueChanged, this, &ControlsPanel::settingsChanged);
  connect(as_written_, &QCheckBox::toggled, this, &ControlsPanel::settingsChanged);
  connect(this, &ControlsPanel::settingsChanged, this, &ControlsPanel::showFastState);
  connect(sd_options_, &CheckpointOptions::changed, this, &ControlsPanel::settingsChanged);
  connect(start_image_, &StartImageOptions::changed, this, &ControlsPanel::settingsChanged);
  for (QSpinBox* side : {width_, height_}) {
    connect(side, &QSpinBox::valueChanged, this,
            [this] { start_image_->setRunSize(width_->value(), height_->value()); });
  }
  start_image_->setRunSize(width_->value(), height_->value());
  connect(loras_, &LoraList::changed, this, &ControlsPanel::settingsChanged);
  connect(embeddings_, &EmbeddingList::changed, this, &ControlsPanel::settingsChanged);
  connect(variation_, &VariationControls::changed, this, &ControlsPanel::settingsChanged);
  samplerChanged();
  modelChanged();
}

void ControlsPanel::samplerChanged() {
  const SamplerInfo& info = sampler_by_name(sampler_->currentData().toString().toStdString());
  eta_->setEnabled(info.uses_eta);
  eta_->setValue(info.default_eta);
  ddpm_variance_->setEnabled(info.id == SamplerId::Ddpm);
}

void ControlsPanel::modelChanged() {
  const QString model = model_->currentData().toString();
  if (model == kOpenFile || model == kOpenFolder) {
    // Back to the model that was chosen; the dialog may add and select another.
    {
      const QSignalBlocker block(model_);
      model_->setCurrentIndex(last_model_index_);
    }
    openCheckpointDialog(model == kOpenFolder);
    return;
  }
  last_model_index_ = model_->currentIndex();
  const bool was_few_step = model_info_.few_step != FewStepKind::None;
  try {
    model_info_ = model_registry::describe(model.toStdString());
  } catch (const Error&) {
    // A checkpoint that is gone or unreadable: the run says why; keep the
    // controls as they are until then.
    return;
  }
  // The model says which sizes, schedules and settings it takes.
  const SizeRule& sizes = model_info_.sizes;
  for (QSpinBox* side : {width_, height_}) {
    side->setRange(sizes.min_side, sizes.max_side);
    side->setSingleStep(sizes.multiple > 1 ? sizes.multiple : 8);
    if (side->value() % sizes.multiple != 0) side->setValue(sizes.default_side);
    side->setEnabled(!sizes.fixed());
  }
  schedule_->setEnabled(model_info_.schedule_selectable);
  if (!model_info_.schedule_selectable) select_data(schedule_, "auto");
  sd_options_->setVisible(CheckpointOptions::appliesTo(model_info_));
  sd_options_->setModel(model_info_);
  start_image_->setVisible(StartImageOptions::appliesTo(model_info_));
  start_image_->setModel(model_info_);
  loras_->setVisible(model_info_.options.lora);
  as_written_->setVisible(model_info_.text.nearest_caption);
  loras_->setModel(model_info_.options.lora ? model : QString());
  embeddings_->setVisible(model_info_.options.embeddings);
  embeddings_->setModel(model, model_info_);
  cfg_->setValue(model_info_.default_cfg);
  fast_->setModel(model_info_);
  showFastState();
  // A few-step model at 20 steps and CFG 7 burns its images: set it up as its
  // authors run it (and back to the usual defaults when leaving it).
  const bool few_step = model_info_.few_step != FewStepKind::None;
  if (few_step || was_few_step) applyModelDefaults();
  few_step_note_->setVisible(few_step);
  few_step_note_->setText(few_step ? tr("Set up as %1.").arg(QString::fromStdString(few_step_summary(model_info_)))
                                   : QString());
}

void ControlsPanel::showFastState() {
  const QString sampler = sampler_->currentData().toString();
  if (sampler.isEmpty()) return;
  fast_->showSettings(sampler_by_name(sampler.toStdString()).id, steps_->value(),
                      spacing_->currentData().toString() == "auto");
}

void ControlsPanel::applyModelSampling() {
  steps_->setValue(model_info_.default_steps);
  select_data(sampler_, QString::fromStdString(sampler_info(model_info_.default_sampler).name));
  select_data(spacing_, model_info_.default_spacing ? QString::fromStdString(spacing_name(*model_info_.default_spacing))
                                                    : QString("auto"));
}

void ControlsPanel::applyModelDefaults() {
  applyModelSampling();
  cfg_->setValue(model_info_.default_cfg);
  const SizeRule& sizes = model_info_.sizes;
  if (!sizes.fixed()) {
    width_->setValue(sizes.default_side);
    height_->setValue(sizes.default_side);
  }
}

void ControlsPanel::addCheckpoint(const QString& path) {
  recent_checkpoints_.removeAll(path);
  recent_checkpoints_.prepend(path);
  while (recent_checkpoints_.size() > kRecentCheckpoints) recent_checkpoints_.removeLast();
  int index = model_->findData(path);
  if (index < 0) {
    index = installed_models_;  // after the installed models, before the separator
    model_->insertItem(index, QFileInfo(path).fileName(), path);
    model_->setItemData(index, path, Qt::ToolTipRole);
  }
  model_->setCurrentIndex(index);
}

void ControlsPanel::openCheckpointDialog(bool folder) {
  const QString start = recent_checkpoints_.isEmpty() ? QString() : QFileInfo(recent_checkpoints_.front()).path();
  const QString chosen = folder
                             ? QFileDialog::getExistingDirectory(this, tr("Open a diffusers model folder"), start)
                             : QFileDialog::getOpenFileName(this, tr("Open a Stable Diffusion checkpoint"), start,
                                                            tr("Stable Diffusion checkpoints (*.safetensors);;"
                                                               "Pickled checkpoints — refused, convert them (*.ckpt)"));
  if (!chosen.isEmpty()) addCheckpoint(chosen);
}

Request ControlsPanel::requestForRun() {
  if (random_seed_->isChecked()) seed_->setText(QString::number(QRandomGenerator::global()->bounded(1u << 31)));
  return request();
}

Request ControlsPanel::request() const {
  Request r;
  r.model = model_->currentData().toString().toStdString();
  r.prompt = prompt_->toPlainText().toStdString();
  r.negative_prompt = negative_->toPlainText().toStdString();
  r.seed = seed_->text().toLongLong();
  r.variation = variation_->variation();
  r.batch = batch_->value();
  r.steps = steps_->value();
  r.sampler = sampler_by_name(sampler_->currentData().toString().toStdString()).id;
  const QString spacing = spacing_->currentData().toString();
  if (spacing != "auto") r.spacing = spacing_by_name(spacing.toStdString());
  r.schedule = schedule_->currentData().toString().toStdString();
  if (eta_->isEnabled()) r.eta = eta_->value();
  r.ddpm_variance = ddpm_variance_->currentData().toString() == "beta" ? DdpmVariance::Beta : DdpmVariance::BetaTilde;
  r.cfg_scale = cfg_->value();
  r.width = width_->value();
  r.height = height_->value();
  r.device = parse_device(device_->currentData().toString().toStdString());
  if (CheckpointOptions::appliesTo(model_info_)) sd_options_->fill(r, model_info_);
  if (StartImageOptions::appliesTo(model_info_)) start_image_->fill(r);
  if (model_info_.options.lora && !loras_->folder().isEmpty()) r.lora_dirs = {loras_->folder().toStdString()};
  if (model_info_.options.embeddings && !embeddings_->folder().isEmpty()) {
    r.embedding_dirs = {embeddings_->folder().toStdString()};
  }
  r.prompt_as_written = model_info_.text.nearest_caption && as_written_->isChecked();
  return r;
}

void ControlsPanel::apply(const Request& r) {
  bool from_file = false;
  try {
    from_file = model_registry::find(r.model).from_file();
  } catch (const Error&) {
    // Not a model this installation has: the model list keeps its choice.
  }
  if (from_file) addCheckpoint(QString::fromStdString(r.model));
  select_data(model_, QString::fromStdString(r.model));
  if (CheckpointOptions::appliesTo(model_info_)) sd_options_->apply(r);
  if (StartImageOptions::appliesTo(model_info_)) start_image_->apply(r);
  prompt_->setPlainText(QString::fromStdString(r.prompt));
  negative_->setPlainText(QString::fromStdString(r.negative_prompt));
  as_written_->setChecked(r.prompt_as_written);
  random_seed_->setChecked(false);
  seed_->setText(QString::number(r.seed));
  variation_->apply(r.variation);
  batch_->setValue(r.batch);
  steps_->setValue(r.steps);
  select_data(sampler_, QString::fromStdString(sampler_info(r.sampler).name));
  select_data(spacing_, r.spacing ? QString::fromStdString(spacing_name(*r.spacing)) : "auto");
  select_data(schedule_, QString::fromStdString(r.schedule));
  if (r.eta) eta_->setValue(*r.eta);
  select_data(ddpm_variance_, r.ddpm_variance == DdpmVariance::Beta ? "beta" : "beta-tilde");
  if (r.cfg_scale) cfg_->setValue(*r.cfg_scale);
  width_->setValue(r.width);
  height_->setValue(r.height);
}

void ControlsPanel::setLastSeed(int64_t seed) {
  last_seed_ = seed;
  reuse_seed_->setEnabled(seed >= 0);
  reuse_seed_->setToolTip(tr("Use seed %1 again").arg(seed));
}

void ControlsPanel::setRunning(bool running) {
  cancel_->setEnabled(running);
  generate_->setText(running ? tr("Restart") : tr("Generate"));
}

void ControlsPanel::load(QSettings& s) {
  prompt_->setPlainText(s.value("prompt", "grinning face").toString());
  negative_->setPlainText(s.value("negative_prompt").toString());
  as_written_->setChecked(s.value("prompt_as_written", false).toBool());
  const QStringList recent = s.value("sd/recent").toStringList();
  for (auto it = recent.rbegin(); it != recent.rend(); ++it) addCheckpoint(*it);
  sd_options_->load(s);
  start_image_->load(s);
  loras_->load(s);
  embeddings_->load(s);
  variation_->load(s);
  select_data(model_, s.value("model", kBuiltinModel).toString());
  select_data(sampler_, s.value("sampler", "euler").toString());
  select_data(spacing_, s.value("spacing", "auto").toString());
  steps_->setValue(s.value("steps", 20).toInt());
  cfg_->setValue(s.value("cfg_scale", cfg_->value()).toDouble());  // unsaved: the model's default
  width_->setValue(s.value("width", 64).toInt());
  height_->setValue(s.value("height", 64).toInt());
  select_data(device_, s.value("device", "auto").toString());
}

void ControlsPanel::save(QSettings& s) const {
  s.setValue("prompt", prompt_->toPlainText());
  loras_->save(s);
  embeddings_->save(s);
  variation_->save(s);
  s.setValue("negative_prompt", negative_->toPlainText());
  s.setValue("prompt_as_written", as_written_->isChecked());
  s.setValue("model", model_->currentData());
  s.setValue("sampler", sampler_->currentData());
  s.setValue("spacing", spacing_->currentData());
  s.setValue("steps", steps_->value());
  s.setValue("cfg_scale", cfg_->value());
  s.setValue("width", width_->value());
  s.setValue("height", height_->value());
  s.setValue("device", device_->currentData());
  s.setValue("sd/recent", recent_checkpoints_);
  sd_options_->save(s);
  start_image_->save(s);
}

}  // namespace diffscope::ui
