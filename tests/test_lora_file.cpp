// Reading LoRA files: kohya and diffusers/PEFT names, alphas, LoCon kernels,
// other adapter kinds and broken files refused with the reason, A1111's hash.
#include "core/models/adapters/lora_file.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/io/safetensors.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

std::string error_of(const fs::path& path) {
  try {
    LoraFile::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

size_t modules_in(const fs::path& lora) {
  std::ifstream in(lora.string() + ".json");
  return nlohmann::json::parse(in).at("modules").size();
}

}  // namespace

class LoraFileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = new support::TempDir;
    if (!support::make_tiny_lora(*shared_ / "kohya.safetensors", "--family sd1 --alpha 2 --rank 4", &made_) ||
        !support::make_tiny_lora(*shared_ / "peft.safetensors", "--family sdxl --format peft --rank 3", &made_)) {
      return;
    }
    made_.clear();
  }
  static void TearDownTestSuite() { delete shared_; }
  void SetUp() override {
    if (!made_.empty()) GTEST_SKIP() << made_;
    for (const char* name :
         {"kohya.safetensors", "kohya.safetensors.json", "peft.safetensors", "peft.safetensors.json"}) {
      fs::copy_file(*shared_ / name, dir_ / name);
    }
  }
  static support::TempDir* shared_;
  static std::string made_;
  support::TempDir dir_;
  std::string why_;
};

support::TempDir* LoraFileTest::shared_ = nullptr;
std::string LoraFileTest::made_ = "not made";

TEST_F(LoraFileTest, ReadsKohyaModulesWithTheirAlpha) {
  const LoraFile lora = LoraFile::open(dir_ / "kohya.safetensors");
  EXPECT_EQ(lora.name, "kohya");
  EXPECT_EQ(lora.format, LoraFormat::Kohya);
  ASSERT_EQ(lora.modules.size(), modules_in(dir_ / "kohya.safetensors"));
  size_t unet = 0, text = 0;
  for (const LoraModule& module : lora.modules) {
    EXPECT_EQ(module.rank(), 4);
    ASSERT_TRUE(module.alpha.has_value());
    EXPECT_DOUBLE_EQ(module.scale(), 0.5);
    (module.part == LoraPart::Unet ? unet : text) += 1;
    EXPECT_EQ(module.key.find('.'), std::string::npos) << module.key;  // kohya keys are underscored
  }
  EXPECT_GT(unet, 0u);
  EXPECT_GT(text, 0u);
}

TEST_F(LoraFileTest, ReadsPeftModulesOfBothSdxlTextEncoders) {
  const LoraFile lora = LoraFile::open(dir_ / "peft.safetensors");
  EXPECT_EQ(lora.format, LoraFormat::Diffusers);
  ASSERT_EQ(lora.modules.size(), modules_in(dir_ / "peft.safetensors"));
  std::set<LoraPart> parts;
  for (const LoraModule& module : lora.modules) {
    parts.insert(module.part);
    EXPECT_FALSE(module.alpha.has_value());
    EXPECT_DOUBLE_EQ(module.scale(), 1.0);  // no alpha: α = r
    EXPECT_EQ(module.rank(), 3);
  }
  EXPECT_EQ(parts, (std::set<LoraPart>{LoraPart::Unet, LoraPart::TextEncoder, LoraPart::TextEncoder2}));
}

TEST_F(LoraFileTest, LoConKeepsItsConvolutionKernels) {
  ASSERT_TRUE(support::make_tiny_lora(dir_ / "locon.safetensors", "--family sd1 --format locon", &why_)) << why_;
  const LoraFile lora = LoraFile::open(dir_ / "locon.safetensors");
  bool three_by_three = false;
  for (const LoraModule& module : lora.modules) {
    if (module.down.dim() == 4 && module.down.size(2) == 3) {
      three_by_three = true;
      EXPECT_EQ(module.up.sizes(), (at::IntArrayRef{module.up.size(0), module.rank(), 1, 1}));
    }
  }
  EXPECT_TRUE(three_by_three);
}

TEST_F(LoraFileTest, OtherAdapterKindsAreRefusedByName) {
  ASSERT_TRUE(support::make_tiny_lora(dir_ / "loha.safetensors", "--family sd1 --format loha", &why_)) << why_;
  EXPECT_NE(error_of(dir_ / "loha.safetensors").find("is a LoHa file"), std::string::npos);
  const std::map<std::string, std::string> kinds = {
      {"lora_unet_x.lokr_w1", "LoKr"},    {"lora_unet_x.oft_blocks", "OFT"},
      {"lora_unet_x.dora_scale", "DoRA"}, {"lora_unet_x.lora_mid.weight", "Tucker"},
      {"lora_unet_x.on_input", "(IA)³"},  {"lora_unet_x.diff", "full-difference"}};
  for (const auto& [name, kind] : kinds) {
    const fs::path path = dir_ / "other.safetensors";
    write_safetensors(path, {{name, at::zeros({2, 2})}, {"lora_unet_y.lora_down.weight", at::zeros({1, 2})}});
    EXPECT_NE(error_of(path).find(kind), std::string::npos) << name << ": " << error_of(path);
  }
}

TEST_F(LoraFileTest, BrokenFilesAreRefusedWithTheTensorNamed) {
  ASSERT_TRUE(support::make_tiny_lora(dir_ / "junk.safetensors", "--family sd1 --format junk", &why_)) << why_;
  EXPECT_NE(error_of(dir_ / "junk.safetensors").find("model.diffusion_model.input_blocks.0.0.weight"),
            std::string::npos);
  const fs::path half = dir_ / "half.safetensors";
  write_safetensors(half, {{"lora_unet_a.lora_down.weight", at::zeros({4, 8})}});
  EXPECT_NE(error_of(half).find("has no up weight"), std::string::npos) << error_of(half);
  const fs::path ranks = dir_ / "ranks.safetensors";
  write_safetensors(
      ranks, {{"lora_unet_a.lora_down.weight", at::zeros({4, 8})}, {"lora_unet_a.lora_up.weight", at::zeros({8, 2})}});
  EXPECT_NE(error_of(ranks).find("ranks differ"), std::string::npos) << error_of(ranks);
  const fs::path part = dir_ / "part.safetensors";
  write_safetensors(
      part, {{"lora_vae_a.lora_down.weight", at::zeros({4, 8})}, {"lora_vae_a.lora_up.weight", at::zeros({8, 4})}});
  EXPECT_NE(error_of(part).find("names no part"), std::string::npos) << error_of(part);
  const fs::path alpha = dir_ / "alpha.safetensors";
  write_safetensors(alpha, {{"lora_unet_a.lora_down.weight", at::zeros({4, 8})},
                            {"lora_unet_a.lora_up.weight", at::zeros({8, 4})},
                            {"lora_unet_a.alpha", at::full({}, std::nan(""))}});
  EXPECT_NE(error_of(alpha).find("not finite"), std::string::npos) << error_of(alpha);
  const fs::path vector = dir_ / "vector.safetensors";
  write_safetensors(
      vector, {{"lora_unet_a.lora_down.weight", at::zeros({4})}, {"lora_unet_a.lora_up.weight", at::zeros({8, 4})}});
  EXPECT_NE(error_of(vector).find("a LoRA half is a matrix"), std::string::npos) << error_of(vector);
  // Truncated: the data section ends early.
  const fs::path whole = dir_ / "kohya.safetensors", cut = dir_ / "cut.safetensors";
  fs::copy_file(whole, cut);
  fs::resize_file(cut, fs::file_size(whole) - 100);
  EXPECT_NE(error_of(cut), "no error");
  // Pickles are never read.
  std::ofstream(dir_ / "pickle.pt") << "not read";
  EXPECT_NE(error_of(dir_ / "pickle.pt").find("runs"), std::string::npos) << error_of(dir_ / "pickle.pt");
}

TEST_F(LoraFileTest, ShortHashIsSha256OfTheDataAfterTheHeader) {
  const fs::path path = dir_ / "kohya.safetensors";
  std::ifstream in(path, std::ios::binary);
  uint64_t header = 0;
  in.read(reinterpret_cast<char*>(&header), 8);
  std::string output;
  // coreutils' sha256sum over the same bytes: an independent SHA-256.
  ASSERT_EQ(
      support::run_command("tail -c +" + std::to_string(9 + header) + " '" + path.string() + "' | sha256sum", &output),
      0);
  EXPECT_EQ(lora_short_hash(path), output.substr(0, 12));
}

TEST_F(LoraFileTest, LooksLikeLoraTellsLorasFromCheckpoints) {
  EXPECT_TRUE(LoraFile::looks_like_lora(dir_ / "kohya.safetensors"));
  EXPECT_TRUE(LoraFile::looks_like_lora(dir_ / "peft.safetensors"));
  ASSERT_TRUE(support::make_tiny_sd(dir_ / "model.safetensors", "--family sd1", &why_)) << why_;
  EXPECT_FALSE(LoraFile::looks_like_lora(dir_ / "model.safetensors"));
  std::ofstream(dir_ / "empty.safetensors") << "";
  EXPECT_FALSE(LoraFile::looks_like_lora(dir_ / "empty.safetensors"));
}
