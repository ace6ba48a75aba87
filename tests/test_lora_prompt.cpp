// A1111's <lora:NAME:WEIGHT> tags: parsed, taken out of the encoded text,
// rewritten by the app's list, and resolved to files in the LoRA folders.
#include "core/models/adapters/lora_prompt.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/io/safetensors.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {
std::string error_of(const std::string& prompt) {
  try {
    lora_tags(prompt);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(LoraPrompt, TagsAsA1111WritesThem) {
  const auto tags = lora_tags("a cat <lora:add_detail:0.8>, <lora:style one:-1>, <lora:x> <lora:te:0.5:1.25>");
  ASSERT_EQ(tags.size(), 4u);
  EXPECT_EQ(tags[0].name, "add_detail");
  EXPECT_DOUBLE_EQ(tags[0].text_weight, 0.8);
  EXPECT_DOUBLE_EQ(tags[0].unet_weight, 0.8);
  EXPECT_EQ(tags[1].name, "style one");
  EXPECT_DOUBLE_EQ(tags[1].unet_weight, -1.0);
  EXPECT_DOUBLE_EQ(tags[2].text_weight, 1.0);
  EXPECT_DOUBLE_EQ(tags[3].text_weight, 0.5);
  EXPECT_DOUBLE_EQ(tags[3].unet_weight, 1.25);
  const auto named = lora_tags("<lora:n:unet=0.3:te=0>");
  EXPECT_DOUBLE_EQ(named[0].text_weight, 0.0);
  EXPECT_DOUBLE_EQ(named[0].unet_weight, 0.3);
  EXPECT_TRUE(lora_tags("no tags, (emphasis:1.2) <notlora:x:1>").empty());
}

TEST(LoraPrompt, BadTagsSayWhatIsWrong) {
  EXPECT_NE(error_of("<lora::1>").find("names no LoRA"), std::string::npos);
  EXPECT_NE(error_of("<lora:x:abc>").find("not a number"), std::string::npos);
  EXPECT_NE(error_of("<lora:x:nan>").find("not a number"), std::string::npos);
  EXPECT_NE(error_of("<lora:x:1e9>").find("from −10 to 10"), std::string::npos);
  EXPECT_NE(error_of("<lora:x:1").find("no closing"), std::string::npos);
  EXPECT_NE(error_of("<lora:../../etc/x:1>").find("not a path"), std::string::npos);
  EXPECT_NE(error_of("<lora:.hidden:1>").find("not a path"), std::string::npos);
  EXPECT_NE(error_of("<lora:x:1:1:8>").find("dynamic rank"), std::string::npos);
}

TEST(LoraPrompt, TheEncoderReadsThePromptWithoutTags) {
  EXPECT_EQ(without_lora_tags("a cat <lora:a:1>, red <lora:b:0.5>"), "a cat , red ");
  EXPECT_EQ(without_lora_tags("plain"), "plain");
}

TEST(LoraPrompt, TheAppsListRewritesOneTag) {
  EXPECT_EQ(with_lora_weight("a cat", "x", 0.5, true), "a cat <lora:x:0.5>");
  EXPECT_EQ(with_lora_weight("a cat <lora:x:1>, red", "x", -0.25, true), "a cat <lora:x:-0.25>, red");
  EXPECT_EQ(with_lora_weight("a cat <lora:x:1>, red", "x", 0, false), "a cat, red");
  EXPECT_EQ(with_lora_weight("<lora:x:1> <lora:x:2>", "x", 3, true), "<lora:x:3>");
  EXPECT_EQ(with_lora_weight("", "y", 1, true), "<lora:y:1>");
}

TEST(LoraPrompt, FoldersAreSearchedInOrderAndPicklesRefused) {
  support::TempDir dir;
  fs::create_directories(dir / "first");
  fs::create_directories(dir / "models" / "Lora");
  const std::map<std::string, at::Tensor> lora = {{"lora_unet_a.lora_down.weight", at::zeros({1, 2})},
                                                  {"lora_unet_a.lora_up.weight", at::zeros({2, 1})}};
  write_safetensors(dir / "models" / "Lora" / "style.safetensors", lora);
  write_safetensors(dir / "first" / "style.safetensors", lora);
  std::ofstream(dir / "models" / "model.safetensors") << "a checkpoint";
  std::ofstream(dir / "first" / "evil.pt") << "a pickle";
  const auto dirs = lora_search_dirs({(dir / "first").string()}, (dir / "models" / "model.safetensors").string());
  ASSERT_GE(dirs.size(), 4u);
  EXPECT_EQ(find_lora("style", dirs), dir / "first" / "style.safetensors");
  EXPECT_EQ(find_lora("style", {dirs.begin() + 1, dirs.end()}), dir / "models" / "Lora" / "style.safetensors");
  try {
    find_lora("evil", dirs);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pickled"), std::string::npos) << e.what();
  }
  try {
    find_lora("absent", dirs);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "first").string()), std::string::npos) << e.what();
  }
  const auto listed = list_loras(dirs);  // the checkpoint beside them is not a LoRA
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].first, "style");
  const auto uses = resolve_loras("x <lora:style:0.5>", dirs);
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_DOUBLE_EQ(uses[0].unet_weight, 0.5);
}
