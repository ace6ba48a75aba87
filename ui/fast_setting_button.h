#pragma once
// "Fast" beside the steps: a model's measured fast setting (ModelInfo::fast,
// e.g. the built-in model's 8 DPM++ 2M steps for nearly its 20-step picture).
// Checking it asks for that setting, unchecking for the model's defaults; it
// shows checked exactly while the form holds that setting, and is hidden for
// models without one.
#include <QPushButton>

#include "core/models/model_info.h"

namespace diffscope::ui {

class FastSettingButton : public QPushButton {
  Q_OBJECT

 public:
  explicit FastSettingButton(QWidget* parent = nullptr);

  void setModel(const diffscope::ModelInfo& info);
  // The form's sampler, steps and whether its spacing is the sampler's own
  // ("auto", as the setting was measured): checked while they are the fast setting.
  void showSettings(diffscope::SamplerId sampler, int steps, bool samplers_own_spacing);
  const diffscope::FastSetting& setting() const { return setting_; }

 Q_SIGNALS:
  void fastRequested();      // set the fast setting's sampler and steps
  void defaultsRequested();  // back to the model's own

 private:
  diffscope::FastSetting setting_;
};

}  // namespace diffscope::ui
