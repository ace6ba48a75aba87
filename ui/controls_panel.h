#pragma once
// The left-hand form: prompt, negative prompt, model, sampler, spacing,
// schedule, η, DDPM variance, steps, CFG, seed (and a variation seed), size,
// batch, device, and the Generate / Cancel buttons. Converts to and from a Request.
#include <QStringList>
#include <QWidget>

#include "core/models/model_info.h"
#include "core/pipeline/request.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSettings;
class QSlider;
class QSpinBox;

namespace diffscope::ui {

class EmbeddingList;
class LoraList;
class VariationControls;

class CheckpointOptions;
class StartImageOptions;
class FastSettingButton;

class ControlsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ControlsPanel(QWidget* parent = nullptr);

  // The form as a request, as it stands.
  diffscope::Request request() const;
  // The same for a new run: draws a fresh seed first when "Random" is on.
  diffscope::Request requestForRun();
  // Shows a request's settings (e.g. from a dropped PNG or the history).
  void apply(const diffscope::Request& request);
  // The seed the last run used, for "Reuse last".
  void setLastSeed(int64_t seed);

  void setRunning(bool running);
  void load(QSettings& settings);
  void save(QSettings& settings) const;

  QPlainTextEdit* promptEdit() const { return prompt_; }
  QPlainTextEdit* negativeEdit() const { return negative_; }
  CheckpointOptions* checkpointOptions() const { return sd_options_; }
  StartImageOptions* startImageOptions() const { return start_image_; }
  LoraList* loraList() const { return loras_; }
  EmbeddingList* embeddingList() const { return embeddings_; }
  VariationControls* variationControls() const { return variation_; }
  FastSettingButton* fastSetting() const { return fast_; }
  // What the chosen model is and can do (its description, before loading).
  const diffscope::ModelInfo& modelInfo() const { return model_info_; }
  // Adds a Stable Diffusion checkpoint (file or diffusers folder) to the
  // model list, remembered across sessions, and selects it.
  void addCheckpoint(const QString& path);
  // The "Open…" entries ask for a file or folder.
  void openCheckpointDialog(bool folder);

 Q_SIGNALS:
  void generateClicked();
  void cancelClicked();
  void settingsChanged();  // any field changed: the main window updates its estimates

 private:
  void samplerChanged();
  void modelChanged();
  // Steps, sampler and spacing as the model proposes them ("Fast" unchecked).
  void applyModelSampling();
  // Those, and CFG and size as the model proposes them.
  void applyModelDefaults();
  // "Fast" checked exactly while the form holds the model's fast setting.
  void showFastState();

  QPlainTextEdit* prompt_;
  QPlainTextEdit* negative_;
  QComboBox* model_;
  QLabel* few_step_note_;  // what a few-step model was set to, and why
  QComboBox* sampler_;
  QComboBox* spacing_;
  QComboBox* schedule_;
  QDoubleSpinBox* eta_;
  QComboBox* ddpm_variance_;
  QSlider* steps_slider_;
  QSpinBox* steps_;
  FastSettingButton* fast_;  // the model's measured fewer-steps setting
  QDoubleSpinBox* cfg_;
  QLineEdit* seed_;  // 64-bit: A1111 seeds go past INT_MAX
  QCheckBox* as_written_;  // the built-in model: the prompt as written, not its nearest caption
  QCheckBox* random_seed_;
  QPushButton* reuse_seed_;
  VariationControls* variation_;
  QSpinBox* width_;
  QSpinBox* height_;
  QSpinBox* batch_;
  QComboBox* device_;
  CheckpointOptions* sd_options_;
  StartImageOptions* start_image_;
  LoraList* loras_;
  EmbeddingList* embeddings_;
  QStringList recent_checkpoints_;
  int installed_models_ = 0;  // model list entries before the checkpoints
  int last_model_index_ = 0;
  diffscope::ModelInfo model_info_;
  QPushButton* generate_;
  QPushButton* cancel_;
  int64_t last_seed_ = -1;
};

}  // namespace diffscope::ui
