// Few-step models (SD-/SDXL-Turbo, LCM, Lightning): recognised from their
// metadata, model_index.json or name (and not from unrelated words), their
// proposed settings, and a tiny SDXL "Turbo" run at them — one step shown
// like any other — through the pipeline and the CLI.
#include "core/models/few_step.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/io/png_image.h"
#include "core/models/model_info.h"
#include "core/pipeline/model_registry.h"
#include "core/pipeline/parameters_text.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

FewStepMatch by_metadata(const std::string& key, const std::string& value) {
  return detect_few_step("/nowhere/model.safetensors", {{key, value}});
}

FewStepMatch by_name(const fs::path& path) { return detect_few_step(path, {}); }

}  // namespace

TEST(FewStep, MetadataThatNamesTheModelSaysWhatItIs) {
  FewStepMatch match = by_metadata("modelspec.title", "Stable Diffusion XL Turbo");
  EXPECT_EQ(match.kind, FewStepKind::Turbo);
  EXPECT_EQ(match.source, "file metadata (modelspec.title)");
  EXPECT_EQ(by_metadata("modelspec.description", "Distilled by Adversarial Diffusion Distillation (ADD)").kind,
            FewStepKind::Turbo);
  EXPECT_EQ(by_metadata("modelspec.title", "Latent Consistency Model").kind, FewStepKind::Lcm);
  match = by_metadata("modelspec.title", "SDXL-Lightning 8-step");
  EXPECT_EQ(match.kind, FewStepKind::Lightning);
  EXPECT_EQ(match.steps, 8);
  // Training metadata names the base model and data, not this model.
  EXPECT_EQ(by_metadata("ss_sd_model_name", "sd_xl_turbo_1.0").kind, FewStepKind::None);
  EXPECT_EQ(by_metadata("modelspec.title", "Juggernaut XL").kind, FewStepKind::None);
}

TEST(FewStep, NamesOfTheFileOrHubRepositorySayItToo) {
  FewStepMatch match = by_name("/models/sd_xl_turbo_1.0_fp16.safetensors");
  EXPECT_EQ(match.kind, FewStepKind::Turbo);
  EXPECT_EQ(match.source, "its name");
  EXPECT_EQ(by_name("/models/sd_turbo.safetensors").kind, FewStepKind::Turbo);
  EXPECT_EQ(by_name("/models/LCM_Dreamshaper_v7.safetensors").kind, FewStepKind::Lcm);
  EXPECT_EQ(by_name("/models/ssd-1b-lcm.safetensors").kind, FewStepKind::Lcm);
  match = by_name("/models/sdxl_lightning_2step.safetensors");
  EXPECT_EQ(match.kind, FewStepKind::Lightning);
  EXPECT_EQ(match.steps, 2);
  EXPECT_EQ(by_name("/models/sdxl_lightning.safetensors").steps, 0);    // the kind's own
  EXPECT_EQ(by_name("/models/lightning_14step.safetensors").steps, 0);  // not 4
  // Words that merely contain the marker, and folders further up, say nothing.
  EXPECT_EQ(by_name("/models/calcium_sdxl.safetensors").kind, FewStepKind::None);
  EXPECT_EQ(by_name("/models/turbocharged_v2.safetensors").kind, FewStepKind::None);
  EXPECT_EQ(by_name("/home/turbo/models/v1-5-pruned-emaonly.safetensors").kind, FewStepKind::None);

  support::TempDir dir;
  const fs::path snapshot =
      dir / "models--stabilityai--sd-turbo" / "snapshots" / "1681ed09e0cff58eeb41e878a49893228b78b94c";
  fs::create_directories(snapshot);
  std::ofstream(snapshot / "model_index.json") << R"({"_class_name": "StableDiffusionPipeline"})";
  EXPECT_EQ(by_name(snapshot).kind, FewStepKind::Turbo);
  const fs::path folder = dir / "my-model";
  fs::create_directories(folder);
  std::ofstream(folder / "model_index.json") << R"({"_name_or_path": "latent-consistency/lcm-sdxl"})";
  match = by_name(folder);
  EXPECT_EQ(match.kind, FewStepKind::Lcm);
  EXPECT_EQ(match.source, "model_index.json");
  const fs::path broken = dir / "broken";
  fs::create_directories(broken);
  std::ofstream(broken / "model_index.json") << "{ not json";
  EXPECT_EQ(by_name(broken).kind, FewStepKind::None);
}

TEST(FewStep, EachKindProposesItsAuthorsSettings) {
  ModelInfo ordinary;
  ordinary.default_cfg = 7.0;
  ordinary.sizes = {8, 2048, 8, 1024};

  ModelInfo turbo = ordinary;
  apply_few_step(turbo, {FewStepKind::Turbo, 0, "its name"});
  EXPECT_EQ(turbo.default_steps, 1);
  EXPECT_EQ(turbo.default_sampler, SamplerId::EulerAncestral);
  EXPECT_EQ(turbo.default_spacing, Spacing::Trailing);
  EXPECT_EQ(turbo.default_cfg, 1.0);
  EXPECT_EQ(turbo.sizes.default_side, 512);
  EXPECT_EQ(few_step_summary(turbo),
            "a few-step model (turbo, by its name): 1 step, Euler a, trailing spacing, CFG 1 (off), 512×512");

  ModelInfo lcm = ordinary;
  apply_few_step(lcm, {FewStepKind::Lcm, 0, "x"});
  EXPECT_EQ(lcm.default_steps, 4);
  EXPECT_EQ(lcm.default_sampler, SamplerId::Lcm);
  EXPECT_EQ(lcm.default_spacing, Spacing::Lcm);
  EXPECT_EQ(lcm.sizes.default_side, 1024);

  ModelInfo lightning = ordinary;
  apply_few_step(lightning, {FewStepKind::Lightning, 8, "x"});
  EXPECT_EQ(lightning.default_steps, 8);
  EXPECT_EQ(lightning.default_sampler, SamplerId::Euler);
  EXPECT_EQ(lightning.default_spacing, Spacing::Trailing);
  apply_few_step(lightning, {FewStepKind::Lightning, 0, "x"});
  EXPECT_EQ(lightning.default_steps, 4);

  ModelInfo none = ordinary;
  apply_few_step(none, {});
  EXPECT_EQ(none.default_steps, 20);
  EXPECT_EQ(none.default_cfg, 7.0);
  EXPECT_FALSE(none.default_spacing.has_value());
  EXPECT_EQ(few_step_summary(none), "");

  EXPECT_EQ(few_step_by_name("lightning"), FewStepKind::Lightning);
  EXPECT_THROW(few_step_by_name("hyper"), Error);
}

class TinyTurbo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    if (!support::make_tiny_sd(turbo(), "--family sdxl --metadata 'modelspec.title=Stable Diffusion XL Turbo'",
                               &why_)) {
      return;
    }
    support::make_tiny_sd(plain(), "--family sdxl", &why_);
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }
  static fs::path turbo() { return *dir_ / "tiny-a.safetensors"; }
  static fs::path plain() { return *dir_ / "tiny-b.safetensors"; }
  static std::string cli(const std::string& args) {
    return "DIFFSCOPE_CACHE_DIR=" + (*dir_ / "cache").string() + " " + support::cli_path() + " generate --tokenizer " +
           support::clip_vocabulary().string() + " -p cat -W 32 -H 32 --seed 4 --precision float32 " + args;
  }
  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* TinyTurbo::dir_ = nullptr;
std::string TinyTurbo::why_;

TEST_F(TinyTurbo, TheRegistryDescribesItWithItsSettings) {
  const ModelInfo fast = model_registry::describe(turbo().string());
  EXPECT_EQ(fast.family, "SDXL");
  EXPECT_EQ(fast.few_step, FewStepKind::Turbo);
  EXPECT_EQ(fast.few_step_source, "file metadata (modelspec.title)");
  EXPECT_EQ(fast.default_steps, 1);
  EXPECT_EQ(fast.sizes.default_side, 512);
  const ModelInfo ordinary = model_registry::describe(plain().string());
  EXPECT_EQ(ordinary.few_step, FewStepKind::None);
  EXPECT_EQ(ordinary.default_steps, 20);
  EXPECT_EQ(ordinary.default_cfg, 7.0);
  EXPECT_EQ(ordinary.sizes.default_side, 1024);
}

TEST_F(TinyTurbo, ItsSingleStepIsShownLikeAnyOther) {
  const ModelInfo info = model_registry::describe(turbo().string());
  Request request;
  request.model = turbo().string();
  request.tokenizer = support::clip_vocabulary().string();
  request.prompt = "a lovely cat";
  request.width = request.height = 32;
  request.steps = info.default_steps;
  request.sampler = info.default_sampler;
  request.precision = Precision::Float32;
  std::vector<StepEvent> events;
  RunHooks hooks;
  hooks.on_step = [&](const StepEvent& event) { events.push_back(event); };
  Pipeline pipeline;
  const Result result = pipeline.run(request, hooks);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].index, 0);
  EXPECT_EQ(events[0].x_t.sizes(), events[0].x0.sizes());
  EXPECT_EQ(result.images.sizes(), (at::IntArrayRef{1, 32, 32, 3}));
  // Unset spacing and CFG come from the model: trailing (σ_max first), CFG off.
  EXPECT_EQ(result.request.spacing, Spacing::Trailing);
  EXPECT_EQ(result.request.cfg_scale, 1.0);
  const std::string parameters = format_parameters(result.request, result.info, 0);
  EXPECT_NE(parameters.find("Steps: 1, Sampler: Euler a, "), std::string::npos) << parameters;
  EXPECT_NE(parameters.find("CFG scale: 1, "), std::string::npos) << parameters;
}

TEST_F(TinyTurbo, TheCliRunsItAtItsSettingsUnlessToldOtherwise) {
  std::string out;
  const fs::path png = *dir_ / "turbo.png";
  ASSERT_EQ(support::run_command(cli("-m " + turbo().string() + " --overwrite -o " + png.string()), &out), 0) << out;
  EXPECT_NE(out.find("is a few-step model (turbo, by file metadata (modelspec.title))"), std::string::npos) << out;
  std::string parameters = read_png_text(png).at("parameters");
  EXPECT_NE(parameters.find("Steps: 1, Sampler: Euler a, "), std::string::npos) << parameters;

  ASSERT_EQ(support::run_command(
                cli("-m " + turbo().string() + " -s 2 --sampler euler --cfg 2 --overwrite -o " + png.string()), &out),
            0)
      << out;
  parameters = read_png_text(png).at("parameters");
  EXPECT_NE(parameters.find("Steps: 2, Sampler: Euler, "), std::string::npos) << parameters;
  EXPECT_NE(parameters.find("CFG scale: 2, "), std::string::npos) << parameters;

  // A file that does not say so, run as a Lightning model by the setting.
  ASSERT_EQ(support::run_command(cli("-m " + plain().string() + " --few-step lightning --overwrite -o " + png.string()),
                                 &out),
            0)
      << out;
  EXPECT_NE(out.find("by --few-step"), std::string::npos) << out;
  parameters = read_png_text(png).at("parameters");
  EXPECT_NE(parameters.find("Steps: 4, Sampler: Euler, "), std::string::npos) << parameters;
  EXPECT_NE(parameters.find("CFG scale: 1, "), std::string::npos) << parameters;
  EXPECT_NE(parameters.find("Schedule type: Trailing, "), std::string::npos) << parameters;
}
