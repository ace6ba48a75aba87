#pragma once
// The built-in model's name aliases (name_aliases.h) in a file of their own
// beside its config: "<model>.aliases.json", {"format":
// "diffscope-name-aliases", "version": 1, "aliases": {name: words}}. The
// shipped model's 17,768 aliases are over 1 MB of JSON; kept inside the config
// they made every read of it 40 times slower (18.8 ms instead of 0.5 ms), and
// the app reads the config on its UI thread to describe a model. Only loading
// the model, in the worker thread, reads this file.
#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace diffscope::ldm {

// models/diffscope-emoji.json → models/diffscope-emoji.aliases.json
std::filesystem::path name_aliases_path(const std::filesystem::path& config_path);

nlohmann::json name_aliases_to_json(const std::map<std::string, std::string>& aliases);
// Error naming what is wrong: not the format, not an object of texts, an empty
// or over-long (1,000 bytes) name or replacement, over 1,000,000 names.
std::map<std::string, std::string> name_aliases_from_json(const nlohmann::json& json);

// Error naming the file when it cannot be read, is not JSON or is refused.
std::map<std::string, std::string> load_name_aliases(const std::filesystem::path& path);
// Written atomically (core/io/atomic_file.h).
void save_name_aliases(const std::map<std::string, std::string>& aliases, const std::filesystem::path& path);

}  // namespace diffscope::ldm
