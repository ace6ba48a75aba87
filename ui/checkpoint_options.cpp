#include "ui/checkpoint_options.h"
#include "ui/combo_select.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>

#include "core/pipeline/request_limits.h"
#include "ui/path_row.h"

namespace diffscope::ui {

CheckpointOptions::CheckpointOptions(QWidget* parent) : QGroupBox(tr("Stable Diffusion"), parent) {
  auto* form = new QFormLayout(this);
  vae_ = add_path_row(this, form, tr("VAE"), tr("the checkpoint's own"), tr("VAE file"),
                      tr("safetensors (*.safetensors)"), false);
  vae_->setToolTip(tr("A VAE file to decode with instead of the checkpoint's own (e.g. vae-ft-mse-840000)"));
  preview_decoder_ =
      add_path_row(this, form, tr("Preview decoder"), tr("taesd_decoder.safetensors beside the checkpoint, if there"),
                   tr("TAESD decoder file"), tr("safetensors (*.safetensors)"), false);
  preview_decoder_->setToolTip(
      tr("A TAESD / TAESDXL decoder (madebyollin/taesd) for real decoded previews at every step; "
         "\"none\" keeps the latent → RGB projection"));
  tokenizer_ = add_path_row(this, form, tr("Tokenizer"), tr("found automatically"),
                            tr("CLIP tokenizer folder (vocab.json + merges.txt)"), {}, true);
  tokenizer_->setToolTip(
      tr("Where the CLIP tokenizer files are when the checkpoint has none beside it: a folder with "
         "vocab.json and merges.txt (e.g. a diffusers model's tokenizer/), or "
         "bpe_simple_vocab_16e6.txt.gz"));
  prediction_ = new QComboBox(this);
  prediction_->addItem(tr("Automatic"), "auto");
  prediction_->addItem(tr("ε (epsilon)"), "epsilon");
  prediction_->addItem(tr("v"), "v");
  prediction_->setToolTip(
      tr("What the U-Net predicts. SD 1.x and 2.x-base: ε; SD 2.x 768-v: v. Automatic reads the "
         "diffusers scheduler config, else tests the network as AUTOMATIC1111 does; the status "
         "bar shows the guess"));
  form->addRow(tr("Prediction"), prediction_);
  clip_skip_ = new QSpinBox(this);
  clip_skip_->setRange(limits::kMinClipSkip, limits::kMaxClipSkip);
  clip_skip_->setToolTip(tr("Condition on the text encoder's layer this many from the end (A1111's Clip skip)"));
  form->addRow(tr("Clip skip"), clip_skip_);
  precision_ = new QComboBox(this);
  precision_->addItem(tr("Automatic"), "auto");
  precision_->addItem(tr("float32 (reference)"), "float32");
  precision_->addItem(tr("bfloat16 (fast on CPUs)"), "bfloat16");
  precision_->addItem(tr("float16 (CUDA)"), "float16");
  precision_->setToolTip(
      tr("Automatic: float16 on CUDA; on the CPU bfloat16 where it has bf16 instructions "
         "(AVX-512 BF16, AMX: about 2× faster, little visible change), else float32, the "
         "reference"));
  form->addRow(tr("Precision"), precision_);
  refiner_ = add_path_row(this, form, tr("Refiner"), tr("none"), tr("SDXL refiner checkpoint"),
                          tr("safetensors (*.safetensors)"), false);
  refiner_->setToolTip(tr("SDXL: a second checkpoint (e.g. sd_xl_refiner_1.0) that runs the last steps"));
  refiner_switch_ = new QDoubleSpinBox(this);
  refiner_switch_->setRange(limits::kMinRefinerSwitch, limits::kMaxRefinerSwitch);
  refiner_switch_->setSingleStep(0.05);
  refiner_switch_->setValue(0.8);
  refiner_switch_->setToolTip(
      tr("When the refiner takes over, as A1111's \"Refiner switch at\": at the first step whose noise "
         "level's timestep is at or below (1 − this) × 1000 (with a Karras schedule, well before this share "
         "of the steps)"));
  form->addRow(tr("Switch at"), refiner_switch_);
  refiner_by_steps_ = new QCheckBox(tr("by sampling steps"), this);
  refiner_by_steps_->setToolTip(
      tr("Switch after that share of the model calls instead (A1111's \"Refiner switch by sampling steps\")"));
  form->addRow(QString(), refiner_by_steps_);
  original_size_ = pairRow(form, tr("Original size"), tr("image's"),
                           tr("SDXL: the size (width × height) the model is told the training image had; "
                              "larger values ask for detail as in big photos, small ones look upscaled"));
  crop_ = pairRow(form, tr("Crop top-left"), tr("0"),
                  tr("SDXL: where the model is told the picture was cropped (left, top); 0, 0 centres the subject"));
  target_size_ =
      pairRow(form, tr("Target size"), tr("image's"), tr("SDXL: the size (width × height) the model is told it draws"));

  for (QLineEdit* edit : {vae_, preview_decoder_, tokenizer_, refiner_})
    connect(edit, &QLineEdit::textChanged, this, &CheckpointOptions::changed);
  for (QComboBox* combo : {prediction_, precision_}) {
    connect(combo, &QComboBox::currentIndexChanged, this, &CheckpointOptions::changed);
  }
  connect(clip_skip_, &QSpinBox::valueChanged, this, &CheckpointOptions::changed);
  connect(refiner_switch_, &QDoubleSpinBox::valueChanged, this, &CheckpointOptions::changed);
  connect(refiner_by_steps_, &QCheckBox::toggled, this, &CheckpointOptions::changed);
  for (const auto& pair : {original_size_, crop_, target_size_}) {
    for (QSpinBox* box : {pair.first, pair.second}) {
      connect(box, &QSpinBox::valueChanged, this, &CheckpointOptions::changed);
    }
  }
}

std::pair<QSpinBox*, QSpinBox*> CheckpointOptions::pairRow(QFormLayout* form, const QString& label,
                                                           const QString& zero_text, const QString& tooltip) {
  auto* row = new QHBoxLayout;
  std::pair<QSpinBox*, QSpinBox*> boxes;
  for (QSpinBox** box : {&boxes.first, &boxes.second}) {
    *box = new QSpinBox(this);
    (*box)->setRange(0, limits::kMaxConditioningSide);
    (*box)->setSingleStep(64);
    (*box)->setSpecialValueText(zero_text);
    (*box)->setToolTip(tooltip);
    row->addWidget(*box, 1);
  }
  form->addRow(label, row);
  return boxes;
}

bool CheckpointOptions::appliesTo(const ModelInfo& model) {
  const ModelOptions& o = model.options;
  return o.vae_override || o.tokenizer_files || o.prediction_override || o.size_conditioning || o.refiner ||
         model.text.clip_skip;
}

void CheckpointOptions::setModel(const ModelInfo& model) {
  vae_->setEnabled(model.options.vae_override);
  preview_decoder_->setEnabled(model.options.vae_override);
  tokenizer_->setEnabled(model.options.tokenizer_files);
  prediction_->setEnabled(model.options.prediction_override);
  clip_skip_->setEnabled(model.text.clip_skip);
  refiner_->setEnabled(model.options.refiner);
  refiner_switch_->setEnabled(model.options.refiner);
  refiner_by_steps_->setEnabled(model.options.refiner);
  for (const auto& pair : {original_size_, crop_, target_size_}) {
    pair.first->setEnabled(model.options.size_conditioning);
    pair.second->setEnabled(model.options.size_conditioning);
  }
}

void CheckpointOptions::fill(Request& r, const ModelInfo& model) const {
  if (model.options.vae_override) r.vae = vae_->text().toStdString();
  if (model.options.vae_override) r.preview_decoder = preview_decoder_->text().trimmed().toStdString();
  if (model.options.tokenizer_files) r.tokenizer = tokenizer_->text().toStdString();
  if (model.options.prediction_override) {
    const QString prediction = prediction_->currentData().toString();
    r.prediction.reset();
    if (prediction != "auto") r.prediction = prediction_by_name(prediction.toStdString());
  }
  if (model.text.clip_skip) r.clip_skip = clip_skip_->value();
  r.precision = parse_precision(precision_->currentData().toString().toStdString());
  if (model.options.refiner) {
    r.refiner = refiner_->text().toStdString();
    r.refiner_switch_at = refiner_switch_->value();
    r.refiner_switch_by_steps = refiner_by_steps_->isChecked();
  }
  if (model.options.size_conditioning) {
    SizeConditioning& sizes = r.size_conditioning;
    sizes.original_width = original_size_.first->value(), sizes.original_height = original_size_.second->value();
    sizes.crop_left = crop_.first->value(), sizes.crop_top = crop_.second->value();
    sizes.target_width = target_size_.first->value(), sizes.target_height = target_size_.second->value();
  }
}

void CheckpointOptions::apply(const Request& r) {
  vae_->setText(QString::fromStdString(r.vae));
  preview_decoder_->setText(QString::fromStdString(r.preview_decoder));
  if (!r.tokenizer.empty()) tokenizer_->setText(QString::fromStdString(r.tokenizer));
  select_data(prediction_, r.prediction ? QString::fromStdString(prediction_name(*r.prediction)) : "auto");
  clip_skip_->setValue(r.clip_skip);
  select_data(precision_, QString::fromStdString(precision_name(r.precision)));
  refiner_->setText(QString::fromStdString(r.refiner));
  refiner_switch_->setValue(r.refiner_switch_at);
  refiner_by_steps_->setChecked(r.refiner_switch_by_steps);
  const SizeConditioning& sizes = r.size_conditioning;
  original_size_.first->setValue(sizes.original_width), original_size_.second->setValue(sizes.original_height);
  crop_.first->setValue(sizes.crop_left), crop_.second->setValue(sizes.crop_top);
  target_size_.first->setValue(sizes.target_width), target_size_.second->setValue(sizes.target_height);
}

void CheckpointOptions::setTokenizer(const QString& path) { tokenizer_->setText(path); }

void CheckpointOptions::load(QSettings& s) {
  vae_->setText(s.value("sd/vae").toString());
  preview_decoder_->setText(s.value("sd/preview_decoder").toString());
  tokenizer_->setText(s.value("sd/tokenizer").toString());
  select_data(prediction_, s.value("sd/prediction", "auto").toString());
  clip_skip_->setValue(s.value("sd/clip_skip", 1).toInt());
  select_data(precision_, s.value("sd/precision", "auto").toString());
  refiner_->setText(s.value("sdxl/refiner").toString());
  refiner_switch_->setValue(s.value("sdxl/refiner_switch_at", 0.8).toDouble());
  refiner_by_steps_->setChecked(s.value("sdxl/refiner_switch_by_steps", false).toBool());
}

void CheckpointOptions::save(QSettings& s) const {
  s.setValue("sd/vae", vae_->text());
  s.setValue("sd/preview_decoder", preview_decoder_->text());
  s.setValue("sd/tokenizer", tokenizer_->text());
  s.setValue("sd/prediction", prediction_->currentData());
  s.setValue("sd/clip_skip", clip_skip_->value());
  s.setValue("sd/precision", precision_->currentData());
  s.setValue("sdxl/refiner", refiner_->text());
  s.setValue("sdxl/refiner_switch_at", refiner_switch_->value());
  s.setValue("sdxl/refiner_switch_by_steps", refiner_by_steps_->isChecked());
}

}  // namespace diffscope::ui
