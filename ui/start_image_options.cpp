#include "ui/start_image_options.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>

#include "core/io/user_dirs.h"
#include "core/pipeline/request_limits.h"
#include "ui/combo_select.h"
#include "ui/mask_painter.h"
#include "ui/path_row.h"

namespace diffscope::ui {

StartImageOptions::StartImageOptions(QWidget* parent) : QGroupBox(tr("Start image (img2img, inpainting)"), parent) {
  setObjectName("start_image");
  auto* form = form_ = new QFormLayout(this);
  inpainting_note_ =
      new QLabel(tr("An inpainting model: it sees the mask and the image around it, so strength 1 repaints the masked "
                    "part from scratch and still fits it in."),
                 this);
  inpainting_note_->setObjectName("inpainting_note");
  inpainting_note_->setWordWrap(true);
  form->addRow(inpainting_note_);
  const QString png = tr("PNG images (*.png)");
  init_image_ = add_path_row(this, form, tr("img2img"), tr("none (text to image)"), tr("Start image"), png, false);
  init_image_->setObjectName("init_image");
  init_image_->setToolTip(tr("Start from this image instead of pure noise"));
  resize_mode_ = new QComboBox(this);
  resize_mode_->setObjectName("resize_mode");
  for (const ResizeMode mode :
       {ResizeMode::JustResize, ResizeMode::CropAndResize, ResizeMode::ResizeAndFill, ResizeMode::LatentUpscale}) {
    const QString name = QString::fromStdString(resize_mode_name(mode));
    resize_mode_->addItem(name, name);
  }
  resize_mode_->setToolTip(
      tr("How a start image of another size than the one set above reaches it (A1111's \"Resize mode\"), its mask "
         "with it: stretched; scaled to cover it and cut around the centre; scaled to fit inside with its edges "
         "stretched into the rest; or encoded at its own size and its latent resized"));
  form->addRow(tr("Resize mode"), resize_mode_);
  fit_note_ = new QLabel(this);
  fit_note_->setObjectName("fit_note");
  fit_note_->setWordWrap(true);
  fit_note_->hide();
  form->addRow(fit_note_);
  strength_ = new QDoubleSpinBox(this);
  strength_->setRange(limits::kMinStrength, limits::kMaxStrength);
  strength_->setSingleStep(0.05);
  strength_->setValue(0.75);
  strength_->setToolTip(tr("How much of the chain img2img runs: 1 ignores the image, small values keep it"));
  form->addRow(tr("Strength"), strength_);
  mask_ = add_path_row(this, form, tr("Mask"), tr("none (change the whole image)"), tr("Inpainting mask"), png, false);
  mask_->setObjectName("mask");
  mask_->setToolTip(
      tr("Inpainting: repaint only where this black-and-white PNG (the start image's size) is white; the rest "
         "of the start image is kept, and at every step its part of x̂₀ is the start image's"));
  paint_ = new QPushButton(tr("Paint mask…"), this);
  paint_->setObjectName("paint_mask");
  paint_->setToolTip(tr("Paint the part to repaint on the start image (saved as a new mask PNG)"));
  connect(paint_, &QPushButton::clicked, this, &StartImageOptions::openPainter);
  form->addRow(QString(), paint_);
  mask_blur_ = new QSpinBox(this);
  mask_blur_->setRange(limits::kMinMaskBlur, limits::kMaxMaskBlur);
  mask_blur_->setValue(4);
  mask_blur_->setSuffix(tr(" px"));
  mask_blur_->setToolTip(tr("Soften the mask's edge by this many pixels (A1111's \"Mask blur\")"));
  form->addRow(tr("Mask blur"), mask_blur_);
  invert_mask_ = new QCheckBox(tr("repaint the black part"), this);
  invert_mask_->setToolTip(tr("A1111's \"Inpaint not masked\""));
  form->addRow(QString(), invert_mask_);
  masked_content_ = new QComboBox(this);
  masked_content_->setObjectName("masked_content");
  for (const MaskedContent content :
       {MaskedContent::Original, MaskedContent::Fill, MaskedContent::LatentNoise, MaskedContent::LatentNothing}) {
    const QString name = QString::fromStdString(masked_content_name(content));
    masked_content_->addItem(name, name);
  }
  masked_content_->setToolTip(
      tr("What the masked part starts from (A1111's \"Masked content\"): the start image (original), the colours "
         "around it blurred (fill), or noise or zeros in the latent (latent noise, latent nothing: with a strength "
         "near 1, something new)"));
  form->addRow(tr("Masked content"), masked_content_);
  resample_ = new QSpinBox(this);
  resample_->setObjectName("resample");
  resample_->setRange(limits::kMinResample, limits::kMaxResample);
  resample_->setSuffix(tr("× per step"));
  resample_->setSpecialValueText(tr("off"));
  resample_->setToolTip(
      tr("RePaint: run every step this many times, noising it back between, so that the repainted part "
         "fits the kept one (costs that many times the steps; one-step samplers only)"));
  form->addRow(tr("Resample"), resample_);
  mask_weight_ = new QDoubleSpinBox(this);
  mask_weight_->setObjectName("mask_weight");
  mask_weight_->setRange(limits::kMinMaskWeight, limits::kMaxMaskWeight);
  mask_weight_->setSingleStep(0.1);
  mask_weight_->setValue(1.0);
  mask_weight_->setToolTip(
      tr("How much of the masked part the inpainting model is shown grey (A1111's \"Inpainting conditioning mask "
         "strength\"): below 1, img2img keeps more of the start image's composition"));
  form->addRow(tr("Mask strength"), mask_weight_);
  connect(mask_weight_, &QDoubleSpinBox::valueChanged, this, &StartImageOptions::changed);
  setModel({});

  for (QLineEdit* edit : {init_image_, mask_})
    connect(edit, &QLineEdit::textChanged, this, &StartImageOptions::changed);
  // Painting needs the image to paint on.
  connect(init_image_, &QLineEdit::textChanged, this,
          [this](const QString& path) { paint_->setEnabled(!path.isEmpty()); });
  paint_->setEnabled(false);
  connect(strength_, &QDoubleSpinBox::valueChanged, this, &StartImageOptions::changed);
  connect(mask_blur_, &QSpinBox::valueChanged, this, &StartImageOptions::changed);
  connect(invert_mask_, &QCheckBox::toggled, this, &StartImageOptions::changed);
  connect(resample_, &QSpinBox::valueChanged, this, &StartImageOptions::changed);
  connect(masked_content_, &QComboBox::currentIndexChanged, this, &StartImageOptions::changed);
  connect(resize_mode_, &QComboBox::currentIndexChanged, this, &StartImageOptions::changed);
  connect(resize_mode_, &QComboBox::currentIndexChanged, this, &StartImageOptions::updateFitNote);
  connect(init_image_, &QLineEdit::textChanged, this, &StartImageOptions::updateFitNote);
}

void StartImageOptions::setRunSize(int width, int height) {
  run_width_ = width;
  run_height_ = height;
  updateFitNote();
}

void StartImageOptions::updateFitNote() {
  // The header alone: a 12-megapixel photo is not decoded to say its size.
  const QSize size = init_image_->text().isEmpty() ? QSize() : QImageReader(init_image_->text()).size();
  const bool differs = size.isValid() && run_width_ > 0 && size != QSize(run_width_, run_height_);
  fit_note_->setVisible(differs);
  if (!differs) return;
  fit_note_->setText(tr("The start image is %1×%2: \"%3\" brings it to %4×%5.")
                         .arg(size.width())
                         .arg(size.height())
                         .arg(resize_mode_->currentText())
                         .arg(run_width_)
                         .arg(run_height_));
}

void StartImageOptions::setModel(const ModelInfo& model) {
  const bool inpainting = model.options.inpainting_model;
  form_->setRowVisible(inpainting_note_, inpainting);
  form_->setRowVisible(mask_weight_, inpainting);
}

MaskPainter* StartImageOptions::openPainter() {
  if (init_image_->text().isEmpty()) return nullptr;
  auto* painter = new MaskPainter(init_image_->text(), mask_->text(), this);
  painter->setAttribute(Qt::WA_DeleteOnClose);
  connect(painter, &QDialog::accepted, this, [this, painter] {
    const std::filesystem::path data = user_data_dir();
    const QString base = data.empty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                                      : QString::fromStdString(data.string());
    QString error;
    const QString saved = painter->save(QDir(base).filePath("masks"), &error);
    if (saved.isEmpty()) {
      QMessageBox::warning(this, tr("Mask not saved"), tr("The mask could not be saved: %1").arg(error));
      return;
    }
    mask_->setText(saved);
  });
  painter->show();
  return painter;
}

void StartImageOptions::fill(Request& r) const {
  r.init_image = init_image_->text().toStdString();
  r.resize_mode =
      parse_resize_mode(resize_mode_->currentData().toString().toStdString()).value_or(ResizeMode::JustResize);
  r.strength = strength_->value();
  // A mask without a start image would be refused; the run is then text to image.
  r.mask_image = r.init_image.empty() ? std::string() : mask_->text().toStdString();
  r.mask_blur = mask_blur_->value();
  r.invert_mask = invert_mask_->isChecked();
  r.masked_content =
      parse_masked_content(masked_content_->currentData().toString().toStdString()).value_or(MaskedContent::Original);
  r.inpaint_resample = resample_->value();
  r.inpainting_mask_weight = mask_weight_->value();
}

void StartImageOptions::apply(const Request& r) {
  init_image_->setText(QString::fromStdString(r.init_image));
  select_data(resize_mode_, QString::fromStdString(resize_mode_name(r.resize_mode)));
  strength_->setValue(r.strength);
  mask_->setText(QString::fromStdString(r.mask_image));
  mask_blur_->setValue(r.mask_blur);
  invert_mask_->setChecked(r.invert_mask);
  select_data(masked_content_, QString::fromStdString(masked_content_name(r.masked_content)));
  resample_->setValue(r.inpaint_resample);
  mask_weight_->setValue(r.inpainting_mask_weight);
}

void StartImageOptions::load(QSettings& s) {
  strength_->setValue(s.value("sd/strength", 0.75).toDouble());  // the key from before inpainting
  mask_blur_->setValue(s.value("inpainting/mask_blur", 4).toInt());
  mask_weight_->setValue(s.value("inpainting/mask_weight", 1.0).toDouble());  // A1111 keeps it as a setting too
}

void StartImageOptions::save(QSettings& s) const {
  s.setValue("sd/strength", strength_->value());
  s.setValue("inpainting/mask_blur", mask_blur_->value());
  s.setValue("inpainting/mask_weight", mask_weight_->value());
}

}  // namespace diffscope::ui
