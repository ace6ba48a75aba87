// The model registry: what a name, file or folder stands for, what the model
// can do before it is loaded (and that this matches what loading finds), and
// when a loaded model can be reused.
#include "core/pipeline/model_registry.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/common/errors.h"
#include "core/io/safetensors.h"
#include "core/models/model_paths.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

using support::error_of;

// The fields both a description and a loaded model's info() must agree on.
void expect_same_model(const ModelInfo& described, const ModelInfo& loaded) {
  EXPECT_EQ(described.kind, loaded.kind);
  EXPECT_EQ(described.name, loaded.name);
  EXPECT_EQ(described.family, loaded.family);
  EXPECT_EQ(described.sizes.min_side, loaded.sizes.min_side);
  EXPECT_EQ(described.sizes.max_side, loaded.sizes.max_side);
  EXPECT_EQ(described.sizes.multiple, loaded.sizes.multiple);
  EXPECT_EQ(described.default_cfg, loaded.default_cfg);
  EXPECT_EQ(described.schedule, loaded.schedule);
  EXPECT_EQ(described.schedule_selectable, loaded.schedule_selectable);
  EXPECT_EQ(described.preview, loaded.preview);
  EXPECT_EQ(described.text.context_dim, loaded.text.context_dim);
  EXPECT_EQ(described.memory.parameters, loaded.memory.parameters);
  if (described.prediction_known) {
    EXPECT_EQ(described.prediction, loaded.prediction);
  }
}

}  // namespace

TEST(ModelRegistry, ListsTheBuiltInModelFirstAndTheOracleLast) {
  const auto names = model_registry::installed_models();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names.front(), kBuiltinModel);
  EXPECT_EQ(names.back(), kOracleModel);
}

TEST(ModelRegistry, OtherInstalledModelsAreListedToo) {
  support::TempDir dir;
  const auto source = *find_model_dir(kBuiltinModel);
  for (const char* extension : {".json", ".safetensors"}) {
    fs::copy_file(source / (std::string(kBuiltinModel) + extension), dir / (std::string("my-emoji") + extension));
  }
  std::ofstream(dir / "lonely.json") << "{}";  // no weights: not a model
  setenv("DIFFSCOPE_MODELS_DIR", dir.path().c_str(), 1);
  const auto names = model_registry::installed_models();
  unsetenv("DIFFSCOPE_MODELS_DIR");
  EXPECT_EQ(names, (std::vector<std::string>{kBuiltinModel, "my-emoji", kOracleModel}));
}

// Describing runs on the app's UI thread when a model is chosen: it reads the
// small config only, never the name aliases' file (over 1 MB for the shipped
// model), which loading reads — and refuses here, naming it.
TEST(ModelRegistry, DescribingABuiltInModelLeavesItsNameAliasesToTheLoader) {
  support::TempDir dir;
  const auto source = *find_model_dir(kBuiltinModel);
  for (const char* extension : {".json", ".safetensors"}) {
    fs::copy_file(source / (std::string(kBuiltinModel) + extension), dir / (std::string("aliased") + extension));
  }
  std::ofstream(dir / "aliased.aliases.json")
      << "{\"format\": \"diffscope-name-aliases\", \"version\": 1, \"aliases\": 7}";
  setenv("DIFFSCOPE_MODELS_DIR", dir.path().c_str(), 1);
  const std::string described = error_of([] { model_registry::describe("aliased"); });
  const std::string loaded =
      error_of([] { model_registry::load(model_registry::find("aliased"), Request{}, LoadContext{}); });
  unsetenv("DIFFSCOPE_MODELS_DIR");
  EXPECT_EQ(described, "no error");
  EXPECT_NE(loaded.find("aliased.aliases.json"), std::string::npos) << loaded;
}

TEST(ModelRegistry, FindsWhatANameOrPathStandsFor) {
  EXPECT_EQ(model_registry::find(kOracleModel).kind, ModelKind::Oracle);
  const ModelSource builtin = model_registry::find(kBuiltinModel);
  EXPECT_EQ(builtin.kind, ModelKind::BuiltIn);
  EXPECT_TRUE(fs::exists(builtin.path / (std::string(kBuiltinModel) + ".json")));
  EXPECT_FALSE(builtin.from_file());
  for (const char* path : {"/models/v1-5.safetensors", "model.safetensors", "sd.ckpt", "/models/sd-2-1/"}) {
    const ModelSource source = model_registry::find(path);
    EXPECT_EQ(source.kind, ModelKind::StableDiffusion) << path;
    EXPECT_TRUE(source.from_file()) << path;
  }
  const std::string unknown = error_of([] { model_registry::find("sd99"); });
  EXPECT_NE(unknown.find("unknown model 'sd99'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find(std::string(kBuiltinModel) + ", oracle"), std::string::npos) << unknown;
}

TEST(ModelRegistry, BuiltInDescriptionMatchesTheLoadedModel) {
  const ModelInfo described = model_registry::describe(kBuiltinModel);
  EXPECT_EQ(described.kind, ModelKind::BuiltIn);
  EXPECT_TRUE(described.sizes.fixed());
  EXPECT_TRUE(described.small_operators);
  EXPECT_FALSE(described.schedule_selectable);
  Request request;
  LoadContext context;
  const auto bundle = model_registry::load(model_registry::find(kBuiltinModel), request, context);
  expect_same_model(described, bundle->info());
  EXPECT_EQ(described.preview, PreviewMethod::PreviewDecoder);  // the shipped model has one
}

TEST(ModelRegistry, OracleDescriptionMatchesTheLoadedModel) {
  const ModelInfo described = model_registry::describe(kOracleModel);
  EXPECT_TRUE(described.schedule_selectable);
  EXPECT_TRUE(described.weighs_training_images);
  EXPECT_TRUE(described.sizes.accepts(33, 21));
  EXPECT_FALSE(described.sizes.accepts(4, 64));
  Request request;
  request.width = request.height = 16;
  const auto bundle = model_registry::load(model_registry::find(kOracleModel), request, LoadContext{});
  expect_same_model(described, bundle->info());
}

TEST(ModelRegistry, ConfigOfABuiltInModelByNameOrPath) {
  const fs::path config = model_registry::builtin_config(kBuiltinModel);
  EXPECT_EQ(config.filename(), std::string(kBuiltinModel) + ".json");
  EXPECT_EQ(model_registry::builtin_config(config.string()), config);
  EXPECT_NE(error_of([] { model_registry::builtin_config("nope"); }).find("not found"), std::string::npos);
}

TEST(ModelRegistry, LoadKeysChangeWithWhatTheLoadedModelDependsOn) {
  const ModelSource builtin = model_registry::find(kBuiltinModel);
  Request request;
  LoadContext context;
  const std::string key = model_registry::load_key(builtin, request, context);
  request.prompt = "another prompt";
  request.steps = 7;
  EXPECT_EQ(model_registry::load_key(builtin, request, context), key);
  context.compute_type = at::kBFloat16;
  EXPECT_NE(model_registry::load_key(builtin, request, context), key);

  const ModelSource oracle = model_registry::find(kOracleModel);
  Request small;
  const std::string oracle_key = model_registry::load_key(oracle, small, LoadContext{});
  small.width = 32;  // the set is resized for each size
  EXPECT_NE(model_registry::load_key(oracle, small, LoadContext{}), oracle_key);
}

class CheckpointRegistry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    for (const auto& [name, args] : std::vector<std::pair<std::string, std::string>>{
             {"sd1.safetensors", "--family sd1"}, {"sd2.safetensors", "--family sd2"}}) {
      if (!support::make_tiny_sd(*dir_ / name, args, &why_)) return;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }
  static Request request_for(const fs::path& checkpoint) {
    Request r;
    r.model = checkpoint.string();
    r.tokenizer = support::clip_vocabulary().string();
    return r;
  }
  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* CheckpointRegistry::dir_ = nullptr;
std::string CheckpointRegistry::why_;

TEST_F(CheckpointRegistry, DescriptionFromTheTensorTableMatchesTheLoadedModel) {
  const fs::path path = *dir_ / "sd1.safetensors";
  const ModelInfo described = model_registry::describe(path.string());
  EXPECT_EQ(described.kind, ModelKind::StableDiffusion);
  EXPECT_EQ(described.family, "SD 1.x");
  EXPECT_EQ(described.name, "sd1");
  // The tiny checkpoint halves fewer times than SD 1.5 (whose sides are multiples of 64).
  EXPECT_GT(described.sizes.multiple, 1);
  EXPECT_EQ(described.sizes.multiple & (described.sizes.multiple - 1), 0);
  EXPECT_TRUE(described.options.image_to_image);
  EXPECT_TRUE(described.text.clip_skip);
  // Every element of the file's tensors, counted from its header alone.
  uint64_t elements = 0;
  const SafetensorsFile file = SafetensorsFile::open(path);
  for (const auto& entry : file.entries()) {
    uint64_t n = 1;
    for (int64_t size : entry.shape) n *= uint64_t(size);
    elements += n;
  }
  EXPECT_EQ(described.memory.parameters, elements);
  LoadContext context;
  const auto bundle = model_registry::load(model_registry::find(path.string()), request_for(path), context);
  expect_same_model(described, bundle->info());
}

TEST_F(CheckpointRegistry, Sd2PredictionIsDecidedWhenItLoads) {
  const fs::path path = *dir_ / "sd2.safetensors";
  const ModelInfo described = model_registry::describe(path.string());
  EXPECT_FALSE(described.prediction_known);
  const auto bundle = model_registry::load(model_registry::find(path.string()), request_for(path), LoadContext{});
  EXPECT_TRUE(bundle->info().prediction_known);
  EXPECT_EQ(bundle->info().prediction_source, "test forward pass");
}

TEST_F(CheckpointRegistry, DescriptionIsCachedUntilTheFileChanges) {
  const fs::path path = *dir_ / "changing.safetensors";
  fs::copy_file(*dir_ / "sd1.safetensors", path);
  EXPECT_EQ(model_registry::describe(path.string()).family, "SD 1.x");
  fs::remove(path);
  fs::copy_file(*dir_ / "sd2.safetensors", path);
  fs::last_write_time(path, fs::file_time_type::clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(model_registry::describe(path.string()).family, "SD 2.x");
  fs::remove(path);
  EXPECT_NE(error_of([&] { model_registry::describe(path.string()); }).find("no such file"), std::string::npos);
}
