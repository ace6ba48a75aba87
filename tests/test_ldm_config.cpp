// The built-in model's JSON config: round trip and refusal of bad files.
#include "core/models/ldm/ldm_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/models/ldm/ldm_bundle.h"
#include "tests/support/ldm_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
using namespace diffscope::ldm;

TEST(LdmConfig, RoundTripsThroughAFile) {
  support::TempDir dir;
  LdmConfig config = support::tiny_ldm_config({"red apple", "green pear"});
  config.latent_scale = 0.4321;
  save_config(config, dir / "m.json");
  const LdmConfig loaded = load_config(dir / "m.json");
  EXPECT_EQ(config_to_json(loaded), config_to_json(config));
  EXPECT_DOUBLE_EQ(loaded.latent_scale, 0.4321);
  EXPECT_EQ(loaded.text.vocabulary, config.text.vocabulary);
}

TEST(LdmConfig, PreviewDecoderIsOptionalAndRoundTrips) {
  LdmConfig config = support::tiny_ldm_config({"apple"});
  EXPECT_FALSE(config_to_json(config).contains("preview_decoder"));  // older files read as before
  EXPECT_TRUE(config_from_json(config_to_json(config)).preview_decoder.channels.empty());
  config.preview_decoder.channels = {32, 16};
  const nlohmann::json j = config_to_json(config);
  EXPECT_EQ(config_from_json(j).preview_decoder.channels, (std::vector<int64_t>{32, 16}));
  nlohmann::json bad = j;
  bad["preview_decoder"]["channels"] = {32};
  EXPECT_THROW(config_from_json(bad), Error);
  bad["preview_decoder"]["channels"] = {32, -4};
  EXPECT_THROW(config_from_json(bad), Error);
  bad["preview_decoder"] = "small";
  EXPECT_THROW(config_from_json(bad), Error);
}

TEST(LdmConfig, PooledTextIsOptionalAndRoundTrips) {
  LdmConfig config = support::tiny_ldm_config({"apple"});
  EXPECT_FALSE(config_to_json(config)["unet"].contains("pooled_text"));  // models before it read as before
  EXPECT_FALSE(config_from_json(config_to_json(config)).unet.pooled_text);
  config.unet.pooled_text = true;
  nlohmann::json j = config_to_json(config);
  EXPECT_TRUE(config_from_json(j).unet.pooled_text);
  j["unet"]["pooled_text"] = 1;  // a number is not a yes
  EXPECT_THROW(config_from_json(j), Error);
}

TEST(LdmConfig, FastSettingIsOptionalChecksItsSamplerAndRoundTrips) {
  LdmConfig config = support::tiny_ldm_config({"apple"});
  EXPECT_FALSE(config_to_json(config).contains("fast_setting"));
  EXPECT_EQ(config_from_json(config_to_json(config)).fast_setting.steps, 0);
  config.fast_setting = {"dpmpp_2m", 8};
  nlohmann::json j = config_to_json(config);
  const LdmConfig loaded = config_from_json(j);
  EXPECT_EQ(loaded.fast_setting.sampler, "dpmpp_2m");
  EXPECT_EQ(loaded.fast_setting.steps, 8);
  EXPECT_EQ(LdmBundle::describe(loaded).fast.sampler, SamplerId::Dpmpp2m);
  EXPECT_EQ(LdmBundle::describe(loaded).fast.steps, 8);
  EXPECT_EQ(LdmBundle::describe(support::tiny_ldm_config({"apple"})).fast.steps, 0);
  nlohmann::json bad = j;
  bad["fast_setting"]["sampler"] = "warp drive";
  EXPECT_THROW(config_from_json(bad), Error);
  bad = j;
  bad["fast_setting"]["steps"] = 0;
  EXPECT_THROW(config_from_json(bad), Error);
  bad.erase("fast_setting");
  bad["fast_setting"] = {{"steps", 8}};
  EXPECT_THROW(config_from_json(bad), Error);
}

TEST(LdmConfig, NameAliasesLiveInTheirOwnFileThatOnlyTheLoaderReads) {
  support::TempDir dir;
  LdmConfig config = support::tiny_ldm_config({"apple"});
  config.text.aliases = {{"Apfel", "apple"}, {"苹果", "apple"}};
  save_config(config, dir / "m.json");
  EXPECT_FALSE(config_to_json(config)["text"].contains("aliases"));  // not inside the config
  ASSERT_TRUE(std::filesystem::exists(dir / "m.aliases.json"));
  EXPECT_EQ(load_config(dir / "m.json").text.aliases, config.text.aliases);
  EXPECT_TRUE(load_config(dir / "m.json", NameAliasesFile::Skip).text.aliases.empty());
  // Skipped, the file is still seen: the model will read prompts as captions.
  EXPECT_TRUE(load_config(dir / "m.json", NameAliasesFile::Skip).text.captions_beside);
  EXPECT_FALSE(load_config(dir / "m.json").text.captions_beside);  // read: the captions themselves

  // Saved without aliases: the old file goes, or the model would keep them.
  config.text.aliases.clear();
  save_config(config, dir / "m.json");
  EXPECT_FALSE(std::filesystem::exists(dir / "m.aliases.json"));
  EXPECT_TRUE(load_config(dir / "m.json").text.aliases.empty());
  EXPECT_FALSE(load_config(dir / "m.json", NameAliasesFile::Skip).text.captions_beside);

  // A broken aliases file fails the model's load, naming the file; describing
  // the model (Skip) never reads it.
  std::ofstream(dir / "m.aliases.json") << "{ not json";
  try {
    load_config(dir / "m.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.aliases.json"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(load_config(dir / "m.json", NameAliasesFile::Skip));
}

TEST(LdmConfig, RefusesBrokenOrHostileConfigs) {
  const nlohmann::json good = config_to_json(support::tiny_ldm_config({"apple"}));
  auto broken = [&](const std::function<void(nlohmann::json&)>& change) {
    nlohmann::json j = good;
    change(j);
    return j;
  };
  EXPECT_NO_THROW(config_from_json(good));
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["format"] = "something-else"; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["version"] = 7; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j.erase("latent_scale"); })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["latent_scale"] = -1; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["image_size"] = "large"; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["image_size"] = 1 << 30; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["unet"]["channels"] = {8, 8}; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["unet"]["channels"] = {8, 8, -16}; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["text"]["heads"] = 3; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["text"]["vocabulary"] = {"a"}; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["downsample"] = 8; })), Error);
  // Found by fuzz_ldm_config's long run: a float too large for an integer
  // field was cast (undefined behaviour); a boolean counted as 1.
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["downsample"] = 5.55e59; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["image_size"] = 64.0; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["autoencoder"]["encoder_channels"] = {48, true}; })), Error);
  EXPECT_THROW(config_from_json(broken([](auto& j) { j["unet"]["heads"] = true; })), Error);
}

TEST(LdmConfig, FileErrorsNameTheFile) {
  support::TempDir dir;
  EXPECT_THROW(load_config(dir / "missing.json"), Error);
  std::ofstream(dir / "bad.json") << "{ not json";
  try {
    load_config(dir / "bad.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos);
  }
  std::ofstream(dir / "empty.json") << "{}";
  EXPECT_THROW(load_config(dir / "empty.json"), Error);
}
