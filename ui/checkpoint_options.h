#pragma once
// The settings only a Stable Diffusion checkpoint has: a VAE override, where
// its CLIP tokenizer files are (single files come without them), ε/v
// prediction (auto: the folder's scheduler config or A1111's test), Clip
// skip, the compute precision, and SDXL's size and crop conditioning and
// refiner. (img2img and inpainting: start_image_options.h.)
#include <QGroupBox>
#include <utility>

#include "core/models/model_info.h"
#include "core/pipeline/request.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QDoubleSpinBox;
class QLineEdit;
class QSettings;
class QSpinBox;

namespace diffscope::ui {

class CheckpointOptions : public QGroupBox {
  Q_OBJECT

 public:
  explicit CheckpointOptions(QWidget* parent = nullptr);

  // Whether a model has any of these settings (the group is shown then).
  static bool appliesTo(const diffscope::ModelInfo& model);
  // Enables the rows `model` has settings for.
  void setModel(const diffscope::ModelInfo& model);
  // Copies the fields `model` has into a request (names parsed here), and back.
  void fill(diffscope::Request& request, const diffscope::ModelInfo& model) const;
  void apply(const diffscope::Request& request);
  void setTokenizer(const QString& path);
  void load(QSettings& settings);
  void save(QSettings& settings) const;

 Q_SIGNALS:
  void changed();

 private:
  // Two spin boxes (x, y) in one row; 0 shows `zero_text`.
  std::pair<QSpinBox*, QSpinBox*> pairRow(QFormLayout* form, const QString& label, const QString& zero_text,
                                          const QString& tooltip);

  QLineEdit* vae_;
  QLineEdit* preview_decoder_;
  QLineEdit* tokenizer_;
  QComboBox* prediction_;
  QSpinBox* clip_skip_;
  QComboBox* precision_;
  std::pair<QSpinBox*, QSpinBox*> original_size_, crop_, target_size_;
  QLineEdit* refiner_;
  QDoubleSpinBox* refiner_switch_;
  QCheckBox* refiner_by_steps_;
};

}  // namespace diffscope::ui
