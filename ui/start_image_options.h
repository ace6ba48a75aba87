#pragma once
// img2img and inpainting, for every model that can start from an image: the
// start image, how it reaches the run's size when it has another ("Resize
// mode"), how much of the chain runs (strength), and a mask PNG that
// limits the repainting to its white part (A1111's "Inpaint masked"), its
// edge blurred by "Mask blur" pixels, or to its black part when inverted;
// the masked part starts from what "Masked content" says; the mask can be
// painted on the start image (mask_painter.h); resampling (RePaint) runs
// every step again so that the repainted part fits the rest.
#include <QGroupBox>

#include "core/models/model_info.h"
#include "core/pipeline/request.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QPushButton;
class QDoubleSpinBox;
class QLineEdit;
class QSettings;
class QSpinBox;

namespace diffscope::ui {

class MaskPainter;

class StartImageOptions : public QGroupBox {
  Q_OBJECT

 public:
  explicit StartImageOptions(QWidget* parent = nullptr);

  static bool appliesTo(const diffscope::ModelInfo& model) { return model.options.image_to_image; }
  // An inpainting model gets its note and its conditioning mask strength.
  void setModel(const diffscope::ModelInfo& model);
  // The run's size: a start image of another size gets a note saying how
  // its resize mode fits it.
  void setRunSize(int width, int height);
  // Copies the fields into a request, and back.
  void fill(diffscope::Request& request) const;
  void apply(const diffscope::Request& request);
  void load(QSettings& settings);
  void save(QSettings& settings) const;
  // Opens the mask painter on the start image (non-modal; the caller may
  // drive it). Accepting saves the mask into `masks/` of the user's data
  // folder and names it in the mask field. Null without a start image.
  MaskPainter* openPainter();

 Q_SIGNALS:
  void changed();

 private:
  void updateFitNote();

  QLineEdit* init_image_;
  QComboBox* resize_mode_;
  QLabel* fit_note_;
  int run_width_ = 0, run_height_ = 0;
  QDoubleSpinBox* strength_;
  QLineEdit* mask_;
  QSpinBox* mask_blur_;
  QCheckBox* invert_mask_;
  QComboBox* masked_content_;
  QSpinBox* resample_;
  QPushButton* paint_;
  QFormLayout* form_;
  QLabel* inpainting_note_;
  QDoubleSpinBox* mask_weight_;
};

}  // namespace diffscope::ui
