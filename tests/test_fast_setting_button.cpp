// "Fast" beside the steps: a model's measured fewer-steps setting, offered by
// the real controls for a real model that names one, and gone for others.
#include "ui/fast_setting_button.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/models/ldm/ldm_model.h"
#include "tests/support/ldm_test_support.h"
#include "tests/support/test_support.h"
#include "ui/controls_panel.h"

using namespace diffscope;
using namespace diffscope::ui;

TEST(FastSettingButton, HiddenForAModelWithoutOne) {
  FastSettingButton button;
  button.setModel(ModelInfo{});
  EXPECT_TRUE(button.isHidden());
  button.showSettings(SamplerId::Euler, 0, true);  // steps 0 is no fast setting, never "checked"
  EXPECT_FALSE(button.isChecked());
}

TEST(FastSettingButton, TheControlsOfferTheModelsSettingAndGoBackToItsOwn) {
  support::TempDir dir;
  ldm::LdmConfig config = support::tiny_ldm_config({"red apple"});
  config.name = "tiny-fast";
  config.fast_setting = {"dpmpp_2m", 8};
  ldm::LdmModel(config).save(dir / "tiny-fast.json", dir / "tiny-fast.safetensors");
  setenv("DIFFSCOPE_MODELS_DIR", dir.path().c_str(), 1);

  ControlsPanel panel;
  Request r;
  r.model = "tiny-fast";
  r.steps = 20;
  panel.apply(r);
  FastSettingButton* fast = panel.fastSetting();
  ASSERT_EQ(panel.request().model, "tiny-fast");
  EXPECT_FALSE(fast->isHidden());
  EXPECT_FALSE(fast->isChecked());
  EXPECT_EQ(fast->text().toStdString(), "Fast: 8");

  fast->click();
  EXPECT_TRUE(fast->isChecked());
  EXPECT_EQ(panel.request().steps, 8);
  EXPECT_EQ(panel.request().sampler, SamplerId::Dpmpp2m);
  EXPECT_FALSE(panel.request().spacing.has_value());  // the sampler's own spacing, as measured

  // Another step count is no longer the fast setting; a run restored with it is.
  r = panel.request();
  r.steps = 9;
  panel.apply(r);
  EXPECT_FALSE(fast->isChecked());
  r.steps = 8;
  panel.apply(r);
  EXPECT_TRUE(fast->isChecked());
  r.spacing = Spacing::Linspace;  // not the spacing it was measured with
  panel.apply(r);
  EXPECT_FALSE(fast->isChecked());
  r.spacing.reset();
  panel.apply(r);
  EXPECT_TRUE(fast->isChecked());

  fast->click();  // back to the model's own steps and sampler
  EXPECT_FALSE(fast->isChecked());
  EXPECT_EQ(panel.request().steps, 20);
  EXPECT_EQ(panel.request().sampler, SamplerId::Euler);

  r.model = "oracle";  // it has none
  panel.apply(r);
  EXPECT_TRUE(fast->isHidden());
  unsetenv("DIFFSCOPE_MODELS_DIR");
}
