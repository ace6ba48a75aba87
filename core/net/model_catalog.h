#pragma once
// The curated list of models DiffScope offers to download
// (resources/model-catalog.json, compiled in; $DIFFSCOPE_MODEL_CATALOG names
// another file): what each is, what it is good for, its licence (shown before
// downloading, accepted where it sets conditions), its size, URL and SHA-256.
#include <filesystem>
#include <string>
#include <vector>

namespace diffscope {

struct CatalogEntry {
  std::string name;      // what `diffscope-cli models get` takes: "sd15"
  std::string title;     // "Stable Diffusion 1.5 (fp16)"
  std::string family;    // "SD 1.x", "SDXL"
  std::string kind;      // "checkpoint", "lora" or "taesd"
  std::string good_for;  // one sentence
  std::string licence, licence_url;
  bool accept = false;  // the licence must be accepted before downloading
  std::string size;     // as shown: "2.13 GB"
  std::string file;     // the file name it is saved as
  std::string url;      // https (http only to this computer, for tests)
  std::string sha256;
};

// Parses and checks a catalog; Error naming the entry and field that is wrong.
std::vector<CatalogEntry> parse_model_catalog(const std::string& json);
// $DIFFSCOPE_MODEL_CATALOG if set, else the built-in catalog.
std::vector<CatalogEntry> load_model_catalog();
// By name; Error listing the names otherwise.
const CatalogEntry& find_catalog_entry(const std::vector<CatalogEntry>& catalog, const std::string& name);

// Where an entry is saved under `data_dir` (the user's data folder): models/,
// loras/ or taesd/ — the places DiffScope looks for each kind.
std::filesystem::path catalog_destination(const CatalogEntry& entry, const std::filesystem::path& data_dir);

}  // namespace diffscope
