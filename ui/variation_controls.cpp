#include "ui/variation_controls.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpressionValidator>
#include <QSettings>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <cmath>

#include "core/pipeline/request_limits.h"

namespace diffscope::ui {
namespace {

constexpr int kSliderSteps = 100;  // the slider moves in hundredths

QString random_seed() { return QString::number(QRandomGenerator::global()->bounded(1u << 31)); }

}  // namespace

VariationControls::VariationControls(QWidget* parent) : QGroupBox(tr("Variation seed"), parent) {
  setObjectName("variationControls");
  setCheckable(true);
  setChecked(false);
  setToolTip(tr("Mix a second seed's noise into the seed's: the same composition, a nearby image "
                "(AUTOMATIC1111's variation seeds; its parameters mean the same here)"));

  seed_ = new QLineEdit(random_seed(), this);
  seed_->setObjectName("variationSeed");
  seed_->setValidator(new QRegularExpressionValidator(QRegularExpression("\\d{1,18}"), seed_));
  new_seed_ = new QPushButton(tr("New"), this);
  new_seed_->setToolTip(tr("Draw another variation seed"));
  connect(new_seed_, &QPushButton::clicked, this, [this] {
    seed_->setText(random_seed());
    Q_EMIT regenerateRequested();
  });

  strength_slider_ = new QSlider(Qt::Horizontal, this);
  strength_slider_->setObjectName("variationStrengthSlider");
  strength_slider_->setRange(0, kSliderSteps);
  strength_ = new QDoubleSpinBox(this);
  strength_->setObjectName("variationStrength");
  strength_->setRange(limits::kMinVariationStrength, limits::kMaxVariationStrength);
  strength_->setDecimals(2);
  strength_->setSingleStep(0.05);
  strength_->setToolTip(tr("0: the seed's image; 1: the variation seed's"));
  connect(strength_slider_, &QSlider::valueChanged, this,
          [this](int value) { setStrength(double(value) / kSliderSteps); });
  connect(strength_, &QDoubleSpinBox::valueChanged, this, [this](double value) {
    const QSignalBlocker block(strength_slider_);
    strength_slider_->setValue(int(std::lround(value * kSliderSteps)));
  });
  // A drag regenerates once, when it ends; a click on the track or a key moves
  // it without a drag, and regenerates at once.
  connect(strength_slider_, &QSlider::sliderReleased, this, &VariationControls::regenerateRequested);
  connect(strength_slider_, &QSlider::actionTriggered, this, [this](int action) {
    if (action != QAbstractSlider::SliderMove) {
      QMetaObject::invokeMethod(this, &VariationControls::regenerateRequested, Qt::QueuedConnection);
    }
  });
  connect(strength_, &QDoubleSpinBox::editingFinished, this, &VariationControls::regenerateRequested);

  resize_width_ = new QSpinBox(this);
  resize_height_ = new QSpinBox(this);
  for (QSpinBox* side : {resize_width_, resize_height_}) {
    side->setRange(0, limits::kMaxImageSide);
    side->setSingleStep(8);
    side->setSpecialValueText(tr("off"));
    side->setSuffix(" px");
    side->setToolTip(tr("Draw the seed's noise as for this size and keep it centred, so that changing the "
                        "image size keeps the seed's composition (0: off)"));
  }

  auto* seed_row = new QHBoxLayout;
  seed_row->addWidget(seed_, 1);
  seed_row->addWidget(new_seed_);
  auto* strength_row = new QHBoxLayout;
  strength_row->addWidget(strength_slider_, 1);
  strength_row->addWidget(strength_);
  auto* resize_row = new QHBoxLayout;
  resize_row->addWidget(resize_width_);
  resize_row->addWidget(new QLabel("×", this));
  resize_row->addWidget(resize_height_);
  auto* form = new QFormLayout(this);
  form->addRow(tr("Seed"), seed_row);
  form->addRow(tr("Strength"), strength_row);
  form->addRow(tr("Seed resize from"), resize_row);

  connect(this, &QGroupBox::toggled, this, &VariationControls::changed);
  connect(seed_, &QLineEdit::textChanged, this, &VariationControls::changed);
  connect(strength_, &QDoubleSpinBox::valueChanged, this, &VariationControls::changed);
  for (QSpinBox* side : {resize_width_, resize_height_}) {
    connect(side, &QSpinBox::valueChanged, this, &VariationControls::changed);
  }
}

void VariationControls::setStrength(double strength) {
  const QSignalBlocker block(strength_);
  strength_->setValue(strength);
  Q_EMIT changed();
}

VariationSeed VariationControls::variation() const {
  VariationSeed v;
  if (!isChecked()) return v;
  v.seed = seed_->text().toLongLong();
  v.strength = strength_->value();
  // A1111 resizes only with both sides set.
  if (resize_width_->value() > 0 && resize_height_->value() > 0) {
    v.resize_from_width = resize_width_->value();
    v.resize_from_height = resize_height_->value();
  }
  return v;
}

void VariationControls::apply(const VariationSeed& v) {
  setChecked(v.mixes() || v.resizes());
  if (v.mixes()) seed_->setText(QString::number(v.seed));
  strength_->setValue(v.strength);
  resize_width_->setValue(v.resize_from_width);
  resize_height_->setValue(v.resize_from_height);
}

void VariationControls::load(QSettings& s) {
  setChecked(s.value("variation/on", false).toBool());
  seed_->setText(s.value("variation/seed", seed_->text()).toString());
  strength_->setValue(s.value("variation/strength", 0.0).toDouble());
  resize_width_->setValue(s.value("variation/resize_width", 0).toInt());
  resize_height_->setValue(s.value("variation/resize_height", 0).toInt());
}

void VariationControls::save(QSettings& s) const {
  s.setValue("variation/on", isChecked());
  s.setValue("variation/seed", seed_->text());
  s.setValue("variation/strength", strength_->value());
  s.setValue("variation/resize_width", resize_width_->value());
  s.setValue("variation/resize_height", resize_height_->value());
}

}  // namespace diffscope::ui
