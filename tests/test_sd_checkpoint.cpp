// Loading Stable Diffusion checkpoints: single files with CompVis names
// (SD 1.x, SD 2.x) and diffusers folders, every tensor used once with its
// shape, clear errors for what cannot be used. Tiny random checkpoints with
// the real key layout (tests/tools/make_tiny_sd.py) keep it fast.
#include "core/models/sd/sd_bundle.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/common/runtime.h"
#include "core/io/png_image.h"
#include "core/io/safetensors.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

class SdCheckpointTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    for (const auto& [name, args] :
         std::vector<std::pair<std::string, std::string>>{{"sd1.safetensors", "--family sd1"},
                                                          {"sd2.safetensors", "--family sd2"},
                                                          {"sd1-diffusers", "--diffusers"},
                                                          {"sd2-diffusers", "--family sd2 --diffusers"}}) {
      if (!support::make_tiny_sd(*dir_ / name, args, &why_)) return;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }

  static SdLoadOptions options(const fs::path& checkpoint) {
    SdLoadOptions o;
    o.checkpoint = checkpoint;
    o.tokenizer = support::clip_vocabulary().string();
    return o;
  }
  static Request request(const fs::path& checkpoint) {
    Request r;
    r.model = checkpoint.string();
    r.tokenizer = support::clip_vocabulary().string();
    r.prompt = "a lovely cat";
    r.width = r.height = 32;
    r.steps = 2;
    r.seed = 3;
    r.precision = Precision::Float32;
    return r;
  }
  static size_t tensors_in(const fs::path& file) { return SafetensorsFile::open(file).entries().size(); }
  static std::string load_error(const std::string& make_args) {
    const fs::path path = *dir_ / ("bad-" + std::to_string(std::hash<std::string>{}(make_args)) + ".safetensors");
    std::string why;
    if (!support::make_tiny_sd(path, make_args, &why)) return "could not make it: " + why;
    try {
      SdBundle::load(options(path));
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }

  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* SdCheckpointTest::dir_ = nullptr;
std::string SdCheckpointTest::why_;

TEST_F(SdCheckpointTest, Sd1SingleFileUsesEveryTensorOnce) {
  auto bundle = SdBundle::load(options(*dir_ / "sd1.safetensors"));
  EXPECT_EQ(bundle->checkpoint().family, sd::Family::Sd1);
  EXPECT_FALSE(bundle->checkpoint().open_clip);
  EXPECT_FALSE(bundle->checkpoint().linear_projection);
  EXPECT_EQ(bundle->load_report().taken + bundle->load_report().skipped, tensors_in(*dir_ / "sd1.safetensors"));
  EXPECT_EQ(bundle->load_report().skipped, 12u);  // 11 schedule buffers besides alphas_cumprod, position_ids
  EXPECT_EQ(bundle->prediction(), Prediction::Epsilon);
  EXPECT_EQ(bundle->prediction_source(), "SD 1.x default");
  EXPECT_FALSE(bundle->info().small_operators);           // keeps every CPU thread in the app
  EXPECT_EQ(bundle->schedule().name(), "scaled-linear");  // the checkpoint's alphas_cumprod, recognised
  EXPECT_EQ(bundle->latent_shape(64, 32), (std::vector<int64_t>{4, 16, 32}));
  EXPECT_THROW(bundle->latent_shape(30, 32), Error);
}

TEST_F(SdCheckpointTest, Sd2SingleFileIsDetectedAndItsPredictionGuessedOrSet) {
  auto bundle = SdBundle::load(options(*dir_ / "sd2.safetensors"));
  EXPECT_EQ(bundle->checkpoint().family, sd::Family::Sd2);
  EXPECT_TRUE(bundle->checkpoint().open_clip);
  EXPECT_TRUE(bundle->checkpoint().linear_projection);
  EXPECT_EQ(bundle->checkpoint().context_dim, 1024);
  EXPECT_EQ(bundle->load_report().taken + bundle->load_report().skipped, tensors_in(*dir_ / "sd2.safetensors"));
  EXPECT_EQ(bundle->prediction_source(), "test forward pass");
  EXPECT_EQ(bundle->encode_prompt("a cat").sizes(), (at::IntArrayRef{1, 77, 1024}));

  auto o = options(*dir_ / "sd2.safetensors");
  o.prediction = Prediction::V;
  auto as_v = SdBundle::load(o);
  EXPECT_EQ(as_v->prediction(), Prediction::V);
  EXPECT_EQ(as_v->prediction_source(), "setting");
}

TEST_F(SdCheckpointTest, DiffusersFolderGivesTheSameImageAsTheSingleFile) {
  Pipeline a, b;
  const Result single = a.run(request(*dir_ / "sd1.safetensors"));
  const Result folder = b.run(request(*dir_ / "sd1-diffusers"));
  // The same weights, read through other names from other files: identical
  // with LibTorch 1.13; LibTorch 2's CPU kernels (MKL, oneDNN) may round the
  // last bit differently for tensors placed differently in memory, which
  // flips a pixel's rounding here and there (seen: one value by 1).
  const at::Tensor difference = (single.images.to(at::kInt) - folder.images.to(at::kInt)).abs();
  EXPECT_LE(difference.max().item<int>(), 1);
  EXPECT_LE(difference.gt(0).sum().item<int64_t>(), single.images.numel() / 1000);
  auto bundle = SdBundle::load(options(*dir_ / "sd1-diffusers"));
  EXPECT_TRUE(bundle->checkpoint().diffusers);
  EXPECT_EQ(bundle->prediction_source(), "scheduler_config.json");
}

TEST_F(SdCheckpointTest, Sd2DiffusersFolderReadsItsTextConfigAndScheduler) {
  // diffusers' SD 2.x: CLIPTextModel names 1024 wide with exact GELU and the
  // last layer already cut off; v-prediction from scheduler_config.json.
  auto bundle = SdBundle::load(options(*dir_ / "sd2-diffusers"));
  EXPECT_EQ(bundle->checkpoint().family, sd::Family::Sd2);
  EXPECT_FALSE(bundle->checkpoint().open_clip);
  EXPECT_FALSE(bundle->checkpoint().text_quick_gelu);
  EXPECT_FALSE(bundle->checkpoint().text_penultimate);
  EXPECT_TRUE(bundle->checkpoint().linear_projection);
  EXPECT_EQ(bundle->prediction(), Prediction::V);
  EXPECT_EQ(bundle->prediction_source(), "scheduler_config.json");
  Pipeline pipeline;
  const Result result = pipeline.run(request(*dir_ / "sd2-diffusers"));
  EXPECT_EQ(result.images.sizes(), (at::IntArrayRef{1, 32, 32, 3}));
}

TEST_F(SdCheckpointTest, MissingMisshapedOrForeignTensorsAreNamed) {
  const std::string missing = load_error("--drop model.diffusion_model.output_blocks.1.0.out_layers.3.weight");
  EXPECT_NE(missing.find("model.diffusion_model.output_blocks.1.0.out_layers.3.weight"), std::string::npos) << missing;
  const std::string shape =
      load_error("--reshape model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn1.to_v.weight");
  EXPECT_NE(shape.find("input_blocks.1.1.transformer_blocks.0.attn1.to_v.weight"), std::string::npos) << shape;
  EXPECT_NE(shape.find("[128, 64]"), std::string::npos) << shape;  // what it has …
  EXPECT_NE(shape.find("[64, 64]"), std::string::npos) << shape;   // … and what the model needs
  const std::string extra = load_error("--extra model.diffusion_model.lora_up.weight");
  EXPECT_NE(extra.find("model.diffusion_model.lora_up.weight"), std::string::npos) << extra;
}

TEST_F(SdCheckpointTest, RefusesPicklesTruncatedFilesAndOtherModels) {
  auto message = [&](const fs::path& path) {
    try {
      SdBundle::load(options(path));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::ofstream(*dir_ / "model.ckpt") << "PK\x03\x04 pickle";
  EXPECT_NE(message(*dir_ / "model.ckpt").find(".safetensors"), std::string::npos);
  // The first half of a checkpoint.
  {
    std::ifstream in(*dir_ / "sd1.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(*dir_ / "half.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  EXPECT_NE(message(*dir_ / "half.safetensors").find("truncated"), std::string::npos);
  write_safetensors(*dir_ / "other.safetensors", {{"weight", at::zeros({2, 2})}});
  EXPECT_NE(message(*dir_ / "other.safetensors").find("not a Stable Diffusion"), std::string::npos);
  fs::create_directories(*dir_ / "plain-folder");
  EXPECT_NE(message(*dir_ / "plain-folder").find("model_index.json"), std::string::npos);
  EXPECT_NE(message(*dir_ / "nowhere.safetensors").find("no such file"), std::string::npos);
}

TEST_F(SdCheckpointTest, SaysWhereItLookedWhenTheTokenizerIsMissing) {
  auto o = options(*dir_ / "sd1.safetensors");
  o.tokenizer.clear();
  setenv("HOME", dir_->path().c_str(), 1);
  unsetenv("DIFFSCOPE_CLIP_TOKENIZER");
  try {
    SdBundle::load(o);
    FAIL() << "loaded without a tokenizer";
  } catch (const Error& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("tokenizer"), std::string::npos) << text;
    EXPECT_NE(text.find((dir_->path() / "tokenizer").string()), std::string::npos) << text;
  }
}

TEST_F(SdCheckpointTest, LoadingReportsProgressAndCanBeCancelled) {
  auto o = options(*dir_ / "sd1.safetensors");
  uint64_t last = 0, total = 0;
  o.progress = [&](uint64_t done, uint64_t all) {
    EXPECT_GE(done, last);
    last = done, total = all;
  };
  SdBundle::load(o);
  EXPECT_GT(total, 0u);
  EXPECT_LE(last, total);
  o.progress = [&](uint64_t done, uint64_t all) {
    if (done > all / 3) o.cancel.cancel();
  };
  EXPECT_THROW(SdBundle::load(o), Cancelled);
}

TEST_F(SdCheckpointTest, LongAndEmphasisedPromptsBatchWithAShortNegativePrompt) {
  Pipeline pipeline;
  Request r = request(*dir_ / "sd1.safetensors");
  for (int i = 0; i < 30; ++i) r.prompt += ", (very:1.3) [fluffy] cat";  // > 75 tokens: two chunks
  r.negative_prompt = "blurry";
  SdBundle& bundle = static_cast<SdBundle&>(pipeline.prepare(r));
  EXPECT_EQ(bundle.encode_prompt(r.prompt).size(1), 2 * 77);
  const Result result = pipeline.run(r);
  EXPECT_EQ(result.images.sizes(), (at::IntArrayRef{1, 32, 32, 3}));
}

TEST_F(SdCheckpointTest, ClipSkipConditionsOnAnEarlierLayer) {
  auto bundle = SdBundle::load(options(*dir_ / "sd1.safetensors"));
  const at::Tensor last = bundle->encode_prompt("a lovely cat");
  bundle->set_clip_skip(2);
  const at::Tensor earlier = bundle->encode_prompt("a lovely cat");
  EXPECT_EQ(earlier.sizes(), last.sizes());
  EXPECT_FALSE(at::allclose(earlier, last));
  EXPECT_THROW(bundle->set_clip_skip(3), Error);                           // the tiny text encoder has 2 layers
  EXPECT_TRUE(at::equal(bundle->encode_prompt("a lovely cat"), earlier));  // still Clip skip 2
}

TEST_F(SdCheckpointTest, AnEnormousPromptIsRefusedWithAReason) {
  auto bundle = SdBundle::load(options(*dir_ / "sd1.safetensors"));
  std::string huge;
  for (int i = 0; i < 3000; ++i) huge += "cat ";
  try {
    bundle->encode_prompt(huge);
    FAIL() << "a 3,000-token prompt was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2,400 tokens"), std::string::npos) << e.what();
  }
}

TEST_F(SdCheckpointTest, Img2ImgRunsTheLastStrengthPartOfTheChain) {
  Pipeline pipeline;
  Request r = request(*dir_ / "sd1.safetensors");
  write_png(*dir_ / "start.png", at::full({32, 32, 3}, 200, at::kByte));
  r.init_image = (*dir_ / "start.png").string();
  r.steps = 8;
  r.strength = 0.5;
  int events = 0;
  const Result result = pipeline.run(r, [&](const StepEvent&) { ++events; });
  EXPECT_EQ(events, 4);
  EXPECT_EQ(result.sigmas.size(), 5u);
  r.width = 64;  // a start image of another size is stretched to the run's (A1111's "Just resize")
  EXPECT_EQ(pipeline.run(r).images.sizes(), (at::IntArrayRef{1, 32, 64, 3}));
}

TEST_F(SdCheckpointTest, VaeOverrideReplacesTheCheckpointsVae) {
  // The checkpoint's own VAE as a separate file (CompVis names without the
  // first_stage_model. prefix), once as it is and once changed.
  const SafetensorsFile file = SafetensorsFile::open(*dir_ / "sd1.safetensors");
  std::map<std::string, at::Tensor> same, changed;
  const std::string prefix = "first_stage_model.";
  for (const auto& entry : file.entries()) {
    if (entry.name.rfind(prefix, 0) != 0) continue;
    const std::string name = entry.name.substr(prefix.size());
    same[name] = file.tensor(entry.name).clone();
    changed[name] = name == "decoder.conv_out.bias" ? same[name] + 0.5 : same[name];
  }
  write_safetensors(*dir_ / "vae-same.safetensors", same);
  write_safetensors(*dir_ / "vae-changed.safetensors", changed);
  Pipeline pipeline;
  Request r = request(*dir_ / "sd1.safetensors");
  const at::Tensor own = pipeline.run(r).images;
  r.vae = (*dir_ / "vae-same.safetensors").string();
  EXPECT_TRUE(at::equal(pipeline.run(r).images, own));
  r.vae = (*dir_ / "vae-changed.safetensors").string();
  EXPECT_FALSE(at::equal(pipeline.run(r).images, own));
}

TEST_F(SdCheckpointTest, MemoryIsCheckedBeforeTheCheckpointIsRead) {
  Request r = request(*dir_ / "sd1.safetensors");
  r.width = r.height = 2048;  // with batch 64 and CFG: hundreds of GB of activations
  r.batch = 64;
  r.cfg_scale = 7.0;
  Pipeline pipeline;
  RunHooks hooks;
  bool read = false;
  hooks.load_progress = [&](uint64_t, uint64_t) { read = true; };
  try {
    pipeline.run(r, hooks);
    FAIL() << "ran a request that cannot fit";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs about"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(read);
}

TEST_F(SdCheckpointTest, AutoPrecisionIsResolvedOnceForPlanLoadAndMemory) {
  Request r = request(*dir_ / "sd1.safetensors");
  r.precision = Precision::Auto;
  r.steps = 1;
  const at::ScalarType expected = cpu_has_bf16_instructions() ? at::kBFloat16 : at::kFloat;
  const Plan plan = Pipeline::plan(r);
  EXPECT_EQ(plan.compute_type, expected);
  EXPECT_EQ(plan.memory.weights, plan.info.memory.parameters * c10::elementSize(expected));
  Pipeline pipeline;
  at::ScalarType loaded = at::kDouble;
  RunHooks hooks;
  hooks.on_ready = [&](const Plan&, ModelBundle& bundle) { loaded = static_cast<SdBundle&>(bundle).compute_type(); };
  pipeline.run(r, hooks);
  EXPECT_EQ(loaded, expected);
}
