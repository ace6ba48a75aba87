// Merging LoRAs into loaded weights: every changed tensor equals
// W + w·(α/r)·up·down for each format and family (tiny random checkpoints and
// LoRAs from tests/tools), the rest is untouched, a changed set or a failure
// restores the checkpoint bit for bit, the file on disk is never written, and
// through the pipeline a weight-0 LoRA leaves the image bit-identical.
#include "core/models/adapters/lora_merger.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/io/safetensors.h"
#include "core/models/adapters/lora_file.h"
#include "core/pipeline/parameters_text.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

const std::string kUnet = "model.diffusion_model.";

struct Family {
  std::string make_args;  // make_tiny_sd.py
  std::vector<LoraTextTower> towers;
};

Family family(const std::string& name) {
  if (name == "sd1") return {"--family sd1", {{LoraPart::TextEncoder, "cond_stage_model.transformer.", false}}};
  if (name == "sd2") return {"--family sd2", {{LoraPart::TextEncoder, "cond_stage_model.model.", true}}};
  if (name == "sd2-diffusers-names") {
    return {"--family sd2 --diffusers", {{LoraPart::TextEncoder, "cond_stage_model.transformer.", false}}};
  }
  return {"--family sdxl",
          {{LoraPart::TextEncoder, "conditioner.embedders.0.transformer.", false},
           {LoraPart::TextEncoder2, "conditioner.embedders.1.model.", true}}};
}

// A checkpoint's tensors as a loader takes them: the changeable ones kept.
struct LoadedModel {
  std::unique_ptr<sd::WeightStore> store;
  std::map<std::string, at::Tensor> original;  // copies, as loaded

  LoadedModel(const fs::path& checkpoint, const std::vector<LoraTextTower>& towers, at::ScalarType type) {
    store = std::make_unique<sd::WeightStore>(type, c10::Device(c10::kCPU));
    auto file = std::make_shared<const SafetensorsFile>(SafetensorsFile::open(checkpoint));
    store->add_file(file);
    std::vector<std::string> prefixes{kUnet};
    for (const auto& tower : towers) prefixes.push_back(tower.prefix);
    store->keep_taken(prefixes);
    for (const std::string& prefix : prefixes) {
      for (const std::string& name : store->names_with_prefix(prefix)) {
        const auto shape = store->shape(name);
        if (file->entry(name).dtype == "I64") continue;  // position ids
        if (shape.size() == 2 || shape.size() == 4) original[name] = store->take(name, shape).clone();
      }
    }
  }
};

// Every kept tensor equals its original, bit for bit.
void expect_original(const LoadedModel& model) {
  for (const auto& [name, tensor] : model.original) {
    ASSERT_TRUE(at::equal(model.store->taken(name), tensor)) << name;
  }
}

}  // namespace

class LoraMergerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = new support::TempDir; }
  static void TearDownTestSuite() { delete dir_; }

  fs::path checkpoint(const std::string& name) {
    const fs::path path = *dir_ / (name + ".safetensors");
    if (!fs::exists(path) && !fs::exists(*dir_ / name)) {
      std::string why;
      if (name == "sd2-diffusers-names") {
        // SD 2.x's U-Net with the diffusers folder's text encoder (Hugging Face names).
        const fs::path folder = *dir_ / "sd2-diffusers";
        if (!support::make_tiny_sd(folder, family(name).make_args, &why)) ADD_FAILURE() << why;
        std::map<std::string, at::Tensor> all;
        const SafetensorsFile single = SafetensorsFile::open(checkpoint("sd2"));
        for (const auto& entry : single.entries()) {
          if (entry.name.rfind(kUnet, 0) == 0) all[entry.name] = single.tensor(entry.name);
        }
        const SafetensorsFile text = SafetensorsFile::open(folder / "text_encoder" / "model.safetensors");
        for (const auto& entry : text.entries())
          all["cond_stage_model.transformer." + entry.name] = text.tensor(entry.name);
        write_safetensors(path, all);
      } else if (!support::make_tiny_sd(path, family(name).make_args, &why)) {
        ADD_FAILURE() << why;
      }
    }
    return path;
  }
  fs::path lora(const std::string& file, const std::string& args) {
    const fs::path path = *dir_ / (file + ".safetensors");
    std::string why;
    if (!fs::exists(path) && !support::make_tiny_lora(path, args, &why)) ADD_FAILURE() << why;
    return path;
  }
  void SetUp() override {
    if (support::shared_dir().empty()) GTEST_SKIP() << "../shared is not here";
  }

  // Merges `lora_args`' LoRA with weights (text 0.4, U-Net 0.7) and checks
  // every module's tensor against the formula, in float64 from the files.
  void expect_formula(const std::string& model_name, const std::string& lora_name, const std::string& lora_args) {
    const Family f = family(model_name);
    LoadedModel model(checkpoint(model_name), f.towers, at::kFloat);
    LoraMerger merger(*model.store, kUnet, f.towers, model_name);
    const fs::path file = lora(lora_name, lora_args);
    ASSERT_TRUE(merger.apply({LoraUse{lora_name, file, 0.4, 0.7}}));
    ASSERT_EQ(merger.applied().size(), 1u);
    EXPECT_TRUE(merger.applied()[0].unmatched.empty());

    std::ifstream in(file.string() + ".json");
    const nlohmann::json expected = nlohmann::json::parse(in).at("modules");
    const LoraFile parsed = LoraFile::open(file);
    ASSERT_EQ(parsed.modules.size(), expected.size());
    std::map<std::string, at::Tensor> want;  // tensor → expected value in float64
    for (const auto& [name, tensor] : model.original) want[name] = tensor.to(at::kDouble);
    for (const LoraModule& module : parsed.modules) {
      const auto& target = expected.at(module.key);
      const std::string name = target.at("target");
      const int64_t begin = target.at("begin"), count = target.at("count");
      at::Tensor w = count > 0 ? want.at(name).narrow(0, begin, count) : want.at(name);
      const double weight = module.part == LoraPart::Unet ? 0.7 : 0.4;
      const at::Tensor delta =
          at::mm(module.up.flatten(1).to(at::kDouble), module.down.flatten(1).to(at::kDouble)).view(w.sizes());
      w.add_(delta * weight * module.scale());
    }
    size_t changed = 0;
    for (const auto& [name, value] : want) {
      const at::Tensor merged = model.store->taken(name).to(at::kDouble);
      const double error = (merged - value).abs().max().item<double>();
      EXPECT_LT(error, 1e-6) << name;
      if (!at::equal(model.store->taken(name), model.original.at(name))) ++changed;
    }
    EXPECT_GT(changed, expected.size() / 4);
    // Taking the LoRA away restores the checkpoint bit for bit.
    ASSERT_TRUE(merger.apply({}));
    expect_original(model);
  }

  static support::TempDir* dir_;
};

support::TempDir* LoraMergerTest::dir_ = nullptr;

TEST_F(LoraMergerTest, KohyaOnSd1) { expect_formula("sd1", "sd1-kohya", "--family sd1 --alpha 2 --rank 4"); }
TEST_F(LoraMergerTest, LoConOnSd1) { expect_formula("sd1", "sd1-locon", "--family sd1 --format locon --alpha 1"); }
TEST_F(LoraMergerTest, PeftOnSd1) { expect_formula("sd1", "sd1-peft", "--family sd1 --format peft"); }
TEST_F(LoraMergerTest, KohyaOnSd2ChangesThirdsOfOpenClipsFusedProjection) {
  expect_formula("sd2", "sd2-kohya", "--family sd2 --alpha 8 --rank 2");
}
TEST_F(LoraMergerTest, KohyaOnSd2WithHuggingFaceTextNames) {
  expect_formula("sd2-diffusers-names", "sd2d-kohya", "--family sd2 --diffusers-model");
}
TEST_F(LoraMergerTest, KohyaSgmNamesOnSdxl) {
  expect_formula("sdxl", "xl-sgm", "--family sdxl --sgm --format locon --alpha 3");
}
TEST_F(LoraMergerTest, KohyaDiffusersNamesOnSdxl) { expect_formula("sdxl", "xl-kohya", "--family sdxl"); }
TEST_F(LoraMergerTest, PeftOnSdxl) { expect_formula("sdxl", "xl-peft", "--family sdxl --format peft --rank 2"); }

TEST_F(LoraMergerTest, WeightZeroChangesNothingAndSwitchingSetsStartsFromTheCheckpoint) {
  const Family f = family("sd1");
  LoadedModel model(checkpoint("sd1"), f.towers, at::kFloat);
  LoraMerger merger(*model.store, kUnet, f.towers, "sd1");
  const fs::path a = lora("sd1-kohya", "--family sd1 --alpha 2 --rank 4");
  const fs::path b = lora("sd1-peft", "--family sd1 --format peft");
  ASSERT_TRUE(merger.apply({LoraUse{"a", a, 0.0, 0.0}}));
  expect_original(model);
  EXPECT_FALSE(merger.apply({LoraUse{"a", a, 0.0, 0.0}}));  // the same set: nothing to do

  // a then b equals b alone: the old set is taken out first.
  ASSERT_TRUE(merger.apply({LoraUse{"a", a, 1.0, 1.0}}));
  ASSERT_TRUE(merger.apply({LoraUse{"b", b, -0.5, 0.5}}));
  std::map<std::string, at::Tensor> after_switch;
  for (const auto& [name, tensor] : model.original) after_switch[name] = model.store->taken(name).clone();
  ASSERT_TRUE(merger.apply({}));
  ASSERT_TRUE(merger.apply({LoraUse{"b", b, -0.5, 0.5}}));
  for (const auto& [name, tensor] : after_switch) EXPECT_TRUE(at::equal(model.store->taken(name), tensor)) << name;
  EXPECT_TRUE(merger.text_changed());
}

TEST_F(LoraMergerTest, MappedFloat32WeightsAreChangedInMemoryNeverOnDisk) {
  // A float32 checkpoint taken in float32 on the CPU computes on its mapped
  // pages; merging writes private copies of them, restoring re-reads the file.
  const fs::path f32 = *dir_ / "sd1-f32.safetensors";
  {
    const SafetensorsFile file = SafetensorsFile::open(checkpoint("sd1"));
    std::map<std::string, at::Tensor> all;
    for (const auto& entry : file.entries()) {
      const at::Tensor t = file.tensor(entry.name);
      all[entry.name] = at::isFloatingType(t.scalar_type()) ? t.to(at::kFloat) : t;
    }
    write_safetensors(f32, all);
  }
  const std::string before = lora_short_hash(f32);
  const Family f = family("sd1");
  LoadedModel model(f32, f.towers, at::kFloat);
  LoraMerger merger(*model.store, kUnet, f.towers, "sd1");
  ASSERT_TRUE(merger.apply({LoraUse{"a", lora("sd1-kohya", "--family sd1 --alpha 2 --rank 4"), 1.0, 1.0}}));
  EXPECT_EQ(lora_short_hash(f32), before);
  ASSERT_TRUE(merger.apply({}));
  expect_original(model);
}

TEST_F(LoraMergerTest, ALoraForAnotherFamilyIsAnErrorAndLeavesTheModelAsItWas) {
  const Family f = family("sd1");
  LoadedModel model(checkpoint("sd1"), f.towers, at::kFloat);
  LoraMerger merger(*model.store, kUnet, f.towers, "tiny-sd1");
  const fs::path good = lora("sd1-kohya", "--family sd1 --alpha 2 --rank 4");
  // SDXL's names (sgm U-Net, te1/te2) match nothing in SD 1.x.
  try {
    merger.apply(
        {LoraUse{"good", good, 1, 1}, LoraUse{"xl", lora("xl-sgm", "--family sdxl --sgm --format locon"), 1, 1}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'xl'"), std::string::npos) << e.what();
  }
  expect_original(model);
  EXPECT_TRUE(merger.applied().empty());
  // SD 2.x's names fit, its 1024-wide cross-attention does not: named.
  try {
    merger.apply({LoraUse{"sd2", lora("sd2d-kohya", "--family sd2 --diffusers-model"), 1, 1}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another model family"), std::string::npos) << e.what();
  }
  expect_original(model);
}

TEST_F(LoraMergerTest, PartialMatchesAreListed) {
  const fs::path base = lora("sd1-kohya", "--family sd1 --alpha 2 --rank 4");
  std::map<std::string, at::Tensor> tensors;
  const SafetensorsFile file = SafetensorsFile::open(base);
  for (const auto& entry : file.entries()) tensors[entry.name] = file.tensor(entry.name);
  tensors["lora_unet_down_blocks_7_attentions_0_proj_in.lora_down.weight"] = at::zeros({4, 8});
  tensors["lora_unet_down_blocks_7_attentions_0_proj_in.lora_up.weight"] = at::zeros({8, 4});
  const fs::path partial = *dir_ / "partial.safetensors";
  write_safetensors(partial, tensors);
  const Family f = family("sd1");
  LoadedModel model(checkpoint("sd1"), f.towers, at::kFloat);
  LoraMerger merger(*model.store, kUnet, f.towers, "sd1");
  ASSERT_TRUE(merger.apply({LoraUse{"partial", partial, 1, 1}}));
  EXPECT_EQ(merger.applied()[0].unmatched, std::vector<std::string>{"lora_unet_down_blocks_7_attentions_0_proj_in"});
}

TEST_F(LoraMergerTest, ACancelBeforeTheEndRestoresTheCheckpoint) {
  const Family f = family("sd1");
  LoadedModel model(checkpoint("sd1"), f.towers, at::kFloat);
  LoraMerger merger(*model.store, kUnet, f.towers, "sd1");
  CancelToken cancel;
  cancel.cancel();
  EXPECT_THROW(merger.apply({LoraUse{"a", lora("sd1-kohya", "--family sd1 --alpha 2 --rank 4"), 1, 1}}, cancel),
               Cancelled);
  expect_original(model);
  EXPECT_TRUE(merger.applied().empty());
}

TEST_F(LoraMergerTest, ThroughThePipelineWeightZeroIsBitIdenticalAndTheParametersCarryTheHash) {
  if (support::clip_vocabulary().empty()) GTEST_SKIP() << "../shared/data/clip is not here";
  const fs::path model = checkpoint("sd1");
  const fs::path loras = *dir_ / "loras";
  fs::create_directories(loras);
  fs::copy_file(lora("sd1-kohya", "--family sd1 --alpha 2 --rank 4"), loras / "detail.safetensors",
                fs::copy_options::overwrite_existing);
  Request request;
  request.model = model.string();
  request.tokenizer = support::clip_vocabulary().string();
  request.width = request.height = 32;
  request.steps = 2;
  request.seed = 5;
  request.precision = Precision::Float32;
  request.lora_dirs = {loras.string()};
  request.prompt = "a red apple";
  Pipeline pipeline;
  const Result plain = pipeline.run(request);
  request.prompt = "a red apple <lora:detail:0>";
  const Result zero = pipeline.run(request);
  EXPECT_TRUE(at::equal(zero.images, plain.images));
  request.prompt = "a red apple <lora:detail:1.5>";
  const Result merged = pipeline.run(request);
  EXPECT_FALSE(at::equal(merged.images, plain.images));
  ASSERT_EQ(merged.info.loras.size(), 1u);
  const std::string parameters = format_parameters(merged.request, merged.info);
  EXPECT_NE(parameters.find("Lora hashes: \"detail: " + lora_short_hash(loras / "detail.safetensors") + "\""),
            std::string::npos)
      << parameters;
  EXPECT_NE(parameters.find("<lora:detail:1.5>"), std::string::npos);  // the prompt keeps its tag, as A1111's
  request.prompt = "a red apple";
  EXPECT_TRUE(at::equal(pipeline.run(request).images, plain.images));  // taken out again
  // A LoRA that fails half-way (SD 2.x's wider cross-attention) leaves the
  // checkpoint's weights: the next plain run is the plain image again.
  fs::copy_file(lora("sd2d-kohya", "--family sd2 --diffusers-model"), loras / "sd2.safetensors",
                fs::copy_options::overwrite_existing);
  request.prompt = "a red apple <lora:detail:1> <lora:sd2:1>";
  EXPECT_THROW(pipeline.run(request), Error);
  request.prompt = "a red apple";
  EXPECT_TRUE(at::equal(pipeline.run(request).images, plain.images));
  request.prompt = "a red apple <lora:missing:1>";
  try {
    pipeline.run(request);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no LoRA named 'missing'"), std::string::npos) << e.what();
  }
}
