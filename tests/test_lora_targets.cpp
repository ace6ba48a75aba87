// Where each LoRA module lands: every module kohya, LoCon and diffusers/PEFT
// LoRAs target in full-size SD 1.5 and SDXL, named as those tools name them
// (tests/tools/make_tiny_lora.py --names, from diffusers' documented layout),
// maps to the CompVis tensor (and, for OpenCLIP's fused q/k/v, the rows).
#include "core/models/adapters/lora_targets.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

struct Layout {
  std::map<std::string, std::vector<int64_t>> model;
  nlohmann::json modules;
};

Layout read_layout(const std::filesystem::path& path) {
  std::ifstream in(path);
  const nlohmann::json json = nlohmann::json::parse(in);
  Layout layout;
  for (const auto& [name, shape] : json.at("model").items()) layout.model[name] = shape.get<std::vector<int64_t>>();
  layout.modules = json.at("modules");
  return layout;
}

void expect_every_module_found(const Layout& layout, const LoraTargetMap& map) {
  ASSERT_GT(layout.modules.size(), 100u);
  size_t checked = 0;
  for (const auto& module : layout.modules) {
    const std::string key = module.at("key");
    const auto [part, path] = lora_module_part(key, "test");
    const auto target = map.find(part, path);
    ASSERT_TRUE(target.has_value()) << key;
    EXPECT_EQ(target->tensor, module.at("target").get<std::string>()) << key;
    EXPECT_EQ(target->row_begin, module.at("begin").get<int64_t>()) << key;
    EXPECT_EQ(target->row_count, module.at("count").get<int64_t>()) << key;
    ++checked;
  }
  EXPECT_EQ(checked, layout.modules.size());
}

}  // namespace

class LoraTargetsTest : public ::testing::Test {
 protected:
  Layout layout(const std::string& family) {
    const auto path = dir_ / (family + ".json");
    std::string why;
    if (!support::make_tiny_lora(path, "--names --family " + family, &why)) {
      ADD_FAILURE() << why;
      return {};
    }
    return read_layout(path);
  }
  void SetUp() override {
    if (support::shared_dir().empty()) GTEST_SKIP() << "../shared is not here";
  }
  support::TempDir dir_;
};

TEST_F(LoraTargetsTest, EveryTargetedModuleOfSd15) {
  const Layout sd15 = layout("sd1");
  const LoraTargetMap map(sd15.model, "model.diffusion_model.",
                          {{LoraPart::TextEncoder, "cond_stage_model.transformer.", false}});
  expect_every_module_found(sd15, map);
  // 16 spatial transformers with 10 linear layers each, plus the ResBlocks'
  // and samplers' convolutions and the 12 text layers' 6 linears: all there.
  EXPECT_EQ(map.size(LoraPart::TextEncoder), 72u);
  EXPECT_FALSE(map.has_part(LoraPart::TextEncoder2));
}

TEST_F(LoraTargetsTest, EveryTargetedModuleOfSdxlInSgmAndDiffusersNames) {
  const Layout sdxl = layout("sdxl");
  const LoraTargetMap map(sdxl.model, "model.diffusion_model.",
                          {{LoraPart::TextEncoder, "conditioner.embedders.0.transformer.", false},
                           {LoraPart::TextEncoder2, "conditioner.embedders.1.model.", true}});
  expect_every_module_found(sdxl, map);
  // bigG: 32 layers × (q, k, v rows of in_proj, out_proj, fc1, fc2).
  EXPECT_EQ(map.size(LoraPart::TextEncoder2), 32u * 6);
}

TEST(LoraTargets, UnknownModulesAreNotFound) {
  const LoraTargetMap map({{"model.diffusion_model.input_blocks.1.1.proj_in.weight", {8, 8}}}, "model.diffusion_model.",
                          {});
  EXPECT_TRUE(map.find(LoraPart::Unet, "input_blocks_1_1_proj_in").has_value());
  EXPECT_TRUE(map.find(LoraPart::Unet, "input_blocks.1.1.proj_in").has_value());
  EXPECT_FALSE(map.find(LoraPart::Unet, "input_blocks_1_1_proj_out").has_value());
  EXPECT_FALSE(map.find(LoraPart::TextEncoder, "text_model_encoder_layers_0_mlp_fc1").has_value());
  EXPECT_EQ(underscored("a.b.c_d"), "a_b_c_d");
}
