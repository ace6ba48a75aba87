#include "core/net/model_catalog.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/common/errors.h"

namespace diffscope {

extern const char* const kBuiltinModelCatalog;  // model_catalog_data.cpp, made from resources/ at build time

namespace {

bool is_lower_hex(const std::string& text) { return text.find_first_not_of("0123456789abcdef") == std::string::npos; }

bool allowed_url(const std::string& url) {
  if (url.rfind("https://", 0) == 0) return true;
  // Plain http only to this computer (the tests' local server).
  return url.rfind("http://127.0.0.1:", 0) == 0 || url.rfind("http://localhost:", 0) == 0;
}

}  // namespace

std::vector<CatalogEntry> parse_model_catalog(const std::string& text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("the model catalog is not valid JSON: ") + e.what());
  }
  if (!json.is_object() || !json.contains("models") || !json["models"].is_array()) {
    throw Error("the model catalog has no \"models\" list");
  }
  std::vector<CatalogEntry> entries;
  for (const auto& item : json["models"]) {
    const std::string where = "model catalog entry " + std::to_string(entries.size() + 1);
    auto text_of = [&](const char* key) {
      if (!item.is_object() || !item.contains(key) || !item[key].is_string() || item[key].get<std::string>().empty()) {
        throw Error(where + ": \"" + key + "\" is missing or not a text");
      }
      return item[key].get<std::string>();
    };
    CatalogEntry e;
    e.name = text_of("name");
    e.title = text_of("title");
    e.family = text_of("family");
    e.kind = text_of("kind");
    e.good_for = text_of("good_for");
    e.licence = text_of("licence");
    e.licence_url = text_of("licence_url");
    e.size = text_of("size");
    e.file = text_of("file");
    e.url = text_of("url");
    e.sha256 = text_of("sha256");
    if (item.contains("accept") && !item["accept"].is_boolean()) {
      throw Error(where + " (" + e.name + "): \"accept\" must be true or false");  // found by fuzz_model_catalog
    }
    e.accept = item.value("accept", true);  // unsaid: ask
    if (e.kind != "checkpoint" && e.kind != "lora" && e.kind != "taesd") {
      throw Error(where + " (" + e.name + "): kind must be checkpoint, lora or taesd");
    }
    if (e.file.find('/') != std::string::npos || e.file.find('\\') != std::string::npos || e.file.front() == '.' ||
        e.file.size() < 13 || e.file.compare(e.file.size() - 12, 12, ".safetensors") != 0) {
      throw Error(where + " (" + e.name + "): the file must be a plain NAME.safetensors");
    }
    if (!allowed_url(e.url)) throw Error(where + " (" + e.name + "): the URL must be https");
    if (e.sha256.size() != 64 || !is_lower_hex(e.sha256)) {
      throw Error(where + " (" + e.name + "): sha256 must be 64 lower-case hex digits");
    }
    for (const CatalogEntry& other : entries) {
      if (other.name == e.name) throw Error(where + ": the name " + e.name + " is used twice");
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

std::vector<CatalogEntry> load_model_catalog() {
  if (const char* path = std::getenv("DIFFSCOPE_MODEL_CATALOG"); path != nullptr && path[0] != '\0') {
    std::ifstream in(path);
    if (!in) throw Error(std::string("cannot read the model catalog ") + path);
    std::ostringstream text;
    text << in.rdbuf();
    return parse_model_catalog(text.str());
  }
  return parse_model_catalog(kBuiltinModelCatalog);
}

const CatalogEntry& find_catalog_entry(const std::vector<CatalogEntry>& catalog, const std::string& name) {
  std::string names;
  for (const CatalogEntry& entry : catalog) {
    if (entry.name == name) return entry;
    names += (names.empty() ? "" : ", ") + entry.name;
  }
  throw Error("no model named '" + name + "' in the catalog (" + names + ")");
}

std::filesystem::path catalog_destination(const CatalogEntry& entry, const std::filesystem::path& data_dir) {
  const char* folder = entry.kind == "lora" ? "loras" : entry.kind == "taesd" ? "taesd" : "models";
  return data_dir / folder / entry.file;
}

}  // namespace diffscope
