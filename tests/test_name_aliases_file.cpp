// The name aliases' own file (name_aliases_file.h): round trip and refusal.
#include "core/models/ldm/name_aliases_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;
using namespace diffscope::ldm;
using nlohmann::json;

TEST(NameAliasesFile, SitsBesideTheConfig) {
  EXPECT_EQ(name_aliases_path("models/diffscope-emoji.json"), "models/diffscope-emoji.aliases.json");
  EXPECT_EQ(name_aliases_path("/x/m.json"), "/x/m.aliases.json");
}

TEST(NameAliasesFile, RoundTripsThroughAFile) {
  support::TempDir dir;
  const PeoplesWords words{
      {{"Apfel", "red apple"}, {"苹果", "red apple"}, {"りんご", "red apple"}, {"plátano", "banana"}},
      {{"red apple", {"apple fruit red manzana"}}, {"banana", {"fruit plátano"}}},
      {"emojione", "noto"}};
  save_name_aliases(words, dir / "m.aliases.json");
  const PeoplesWords read = load_name_aliases(dir / "m.aliases.json");
  EXPECT_EQ(read.aliases, words.aliases);
  EXPECT_EQ(read.captions, words.captions);
  EXPECT_EQ(read.styles, words.styles);
}

TEST(NameAliasesFile, VersionOneHoldsAliasesOnly) {
  const json one = {{"format", "diffscope-name-aliases"}, {"version", 1}, {"aliases", {{"Apfel", "apple"}}}};
  const PeoplesWords read = name_aliases_from_json(one);
  EXPECT_EQ(read.aliases.at("Apfel"), "apple");
  EXPECT_TRUE(read.captions.empty());
  EXPECT_TRUE(read.styles.empty());
}

TEST(NameAliasesFile, RefusesWhatIsNotAnAliasesFile) {
  const json good = name_aliases_to_json({{{"Apfel", "apple"}}, {{"apple", {"fruit"}}}, {"noto"}});
  EXPECT_EQ(name_aliases_from_json(good).aliases.at("Apfel"), "apple");
  auto changed = [&](const std::function<void(json&)>& change) {
    json j = good;
    change(j);
    return j;
  };
  const std::vector<json> broken = {
      json::array(),
      changed([](json& j) { j.erase("format"); }),
      changed([](json& j) { j["format"] = "diffscope-ldm"; }),
      changed([](json& j) { j["format"] = 7; }),
      changed([](json& j) { j["version"] = 3; }),
      changed([](json& j) { j.erase("version"); }),
      changed([](json& j) { j.erase("aliases"); }),
      changed([](json& j) { j["aliases"] = json::array({"Apfel"}); }),
      changed([](json& j) { j["aliases"]["Apfel"] = 5; }),
      changed([](json& j) { j["aliases"]["Apfel"] = ""; }),
      changed([](json& j) { j["aliases"][""] = "apple"; }),
      changed([](json& j) { j["aliases"]["Apfel"] = std::string(1001, 'a'); }),
      changed([](json& j) { j["aliases"][std::string(1001, 'a')] = "apple"; }),
      changed([](json& j) { j.erase("captions"); }),
      changed([](json& j) { j.erase("styles"); }),
      changed([](json& j) { j["captions"] = json::array(); }),
      changed([](json& j) { j["captions"]["apple"] = "fruit"; }),
      changed([](json& j) { j["captions"]["apple"] = json::array({5}); }),
      changed([](json& j) { j["captions"]["apple"] = json::array({""}); }),
      changed([](json& j) { j["captions"][""] = json::array({"fruit"}); }),
      changed([](json& j) { j["captions"]["apple"] = json(std::vector<std::string>(1001, "fruit")); }),
      changed([](json& j) { j["styles"] = "noto"; }),
      changed([](json& j) { j["styles"] = json::array({""}); }),
      changed([](json& j) { j["styles"] = json(std::vector<std::string>(101, "noto")); }),
  };
  for (const json& j : broken) EXPECT_THROW(name_aliases_from_json(j), Error) << j.dump().substr(0, 200);
}

TEST(NameAliasesFile, FileErrorsNameTheFile) {
  support::TempDir dir;
  auto message = [](const std::filesystem::path& path) {
    try {
      load_name_aliases(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(dir / "missing.aliases.json").find("missing.aliases.json"), std::string::npos);
  std::ofstream(dir / "bad.aliases.json") << "{\"format\": \"diffscope-name-aliases\", ";
  EXPECT_NE(message(dir / "bad.aliases.json").find("bad.aliases.json"), std::string::npos);
  std::ofstream(dir / "wrong.aliases.json") << "{\"format\": \"diffscope-name-aliases\", \"version\": 1}";
  const std::string wrong = message(dir / "wrong.aliases.json");
  EXPECT_NE(wrong.find("wrong.aliases.json"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("'aliases'"), std::string::npos) << wrong;
}
