#include "ui/fast_setting_button.h"

#include <QSignalBlocker>

#include "core/sampling/sampler.h"

namespace diffscope::ui {

FastSettingButton::FastSettingButton(QWidget* parent) : QPushButton(tr("Fast"), parent) {
  setObjectName("fastSetting");
  setCheckable(true);
  setVisible(false);
  // clicked, not toggled: showSettings() moves the check without asking for anything.
  connect(this, &QPushButton::clicked, this, [this](bool checked) {
    if (checked) {
      Q_EMIT fastRequested();
    } else {
      Q_EMIT defaultsRequested();
    }
  });
}

void FastSettingButton::setModel(const ModelInfo& info) {
  setting_ = info.fast;
  setVisible(setting_.steps > 0);
  if (setting_.steps == 0) return;
  const QString sampler = QString::fromStdString(sampler_info(setting_.sampler).a1111_name);
  setText(tr("Fast: %1").arg(setting_.steps));
  setToolTip(tr("%1 steps with %2: nearly the picture of the model's %3 steps, measured for this model "
                "(its model card). Every step is still a real x_t. Click again for the model's own setting.")
                 .arg(setting_.steps)
                 .arg(sampler)
                 .arg(info.default_steps));
}

void FastSettingButton::showSettings(SamplerId sampler, int steps, bool samplers_own_spacing) {
  const QSignalBlocker block(this);
  setChecked(setting_.steps > 0 && sampler == setting_.sampler && steps == setting_.steps && samplers_own_spacing);
}

}  // namespace diffscope::ui
