#pragma once
// AUTOMATIC1111's "Variation seed" box: a second seed whose noise is mixed
// into the seed's (a strength slider, 0–1), and "Seed resize from". Moving
// the slider asks for a new run with the same seed, so that the user watches
// the image drift from one seed's towards the other's.
#include <QGroupBox>

#include "core/sampling/variation_noise.h"

class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSettings;
class QSlider;
class QSpinBox;

namespace diffscope::ui {

class VariationControls : public QGroupBox {
  Q_OBJECT

 public:
  explicit VariationControls(QWidget* parent = nullptr);

  // Off (the box unchecked): a plain seed.
  diffscope::VariationSeed variation() const;
  void apply(const diffscope::VariationSeed& variation);
  void load(QSettings& settings);
  void save(QSettings& settings) const;

  QSlider* strengthSlider() const { return strength_slider_; }

 Q_SIGNALS:
  // The slider was let go (or the strength typed): run again with the seed kept.
  void regenerateRequested();
  void changed();

 private:
  void setStrength(double strength);

  QLineEdit* seed_;
  QPushButton* new_seed_;
  QSlider* strength_slider_;
  QDoubleSpinBox* strength_;
  QSpinBox* resize_width_;
  QSpinBox* resize_height_;
};

}  // namespace diffscope::ui
