// The curated model catalog: the shipped one parses, names each licence with a
// link, pins every file by SHA-256 over https, and covers what the app offers
// (SD 1.5, SD-Turbo, SDXL, SDXL-Turbo, an LCM-LoRA, TAESD and TAESDXL);
// broken catalogs are refused with the entry named.
#include "core/net/model_catalog.h"

#include <gtest/gtest.h>

#include <set>

#include "core/common/errors.h"

using namespace diffscope;

TEST(ModelCatalog, TheShippedCatalogIsCompleteAndPinned) {
  unsetenv("DIFFSCOPE_MODEL_CATALOG");
  const auto catalog = load_model_catalog();
  std::set<std::string> names, kinds;
  for (const CatalogEntry& e : catalog) {
    names.insert(e.name);
    kinds.insert(e.kind);
    EXPECT_EQ(e.url.rfind("https://", 0), 0u) << e.name;
    EXPECT_EQ(e.licence_url.rfind("https://", 0), 0u) << e.name;
    EXPECT_FALSE(e.licence.empty()) << e.name;
    EXPECT_EQ(e.sha256.size(), 64u) << e.name;
  }
  for (const char* name : {"sd15", "sd-turbo", "sdxl", "sdxl-turbo", "lcm-lora-sd15", "taesd", "taesdxl"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"checkpoint", "lora", "taesd"}));
  // Each kind lands where DiffScope looks for it.
  EXPECT_EQ(catalog_destination(find_catalog_entry(catalog, "taesd"), "/d"), "/d/taesd/taesd_decoder.safetensors");
  EXPECT_EQ(catalog_destination(find_catalog_entry(catalog, "lcm-lora-sd15"), "/d").parent_path(), "/d/loras");
  EXPECT_EQ(catalog_destination(find_catalog_entry(catalog, "sd15"), "/d").parent_path(), "/d/models");
  EXPECT_THROW(find_catalog_entry(catalog, "nope"), Error);
}

TEST(ModelCatalog, BrokenEntriesAreRefusedByName) {
  const std::string good = R"({"name":"x","title":"X","family":"SD 1.x","kind":"lora","good_for":"g","licence":"MIT",)"
                           R"("licence_url":"https://l","size":"1 MB","file":"x.safetensors","url":"https://h/x",)"
                           R"("sha256":"0000000000000000000000000000000000000000000000000000000000000000"})";
  EXPECT_EQ(parse_model_catalog("{\"models\":[" + good + "]}").size(), 1u);
  auto broken = [&](const std::string& from, const std::string& to) {
    std::string entry = good;
    entry.replace(entry.find(from), from.size(), to);
    try {
      parse_model_catalog("{\"models\":[" + entry + "]}");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(broken("https://h/x", "http://example.com/x").find("https"), std::string::npos);
  EXPECT_NE(broken("x.safetensors", "../x.safetensors").find("plain"), std::string::npos);
  EXPECT_NE(broken("x.safetensors", "x.ckpt").find("plain"), std::string::npos);
  EXPECT_NE(broken("\"lora\"", "\"script\"").find("kind"), std::string::npos);
  EXPECT_NE(broken("0000000000", "ABC").find("sha256"), std::string::npos);
  EXPECT_NE(broken("\"MIT\"", "3").find("licence"), std::string::npos);
  // Found by fuzz_model_catalog's long run: a text "accept" escaped as nlohmann's type_error.
  EXPECT_NE(broken("\"title\":\"X\"", "\"accept\":\"yes\",\"title\":\"X\"").find("accept"), std::string::npos);
  EXPECT_THROW(parse_model_catalog("{\"models\":[" + good + "," + good + "]}"), Error);  // a name twice
  EXPECT_THROW(parse_model_catalog("not json"), Error);
}
