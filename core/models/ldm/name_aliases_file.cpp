#include "core/models/ldm/name_aliases_file.h"

#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/text_file.h"

namespace diffscope::ldm {

using nlohmann::json;

std::filesystem::path name_aliases_path(const std::filesystem::path& config_path) {
  std::filesystem::path path = config_path;
  return path.replace_extension(".aliases.json");
}

json name_aliases_to_json(const std::map<std::string, std::string>& aliases) {
  return {{"format", "diffscope-name-aliases"}, {"version", 1}, {"aliases", aliases}};
}

std::map<std::string, std::string> name_aliases_from_json(const json& j) {
  const std::string where = "name aliases";
  if (!j.is_object() || !j.contains("format") || j.at("format") != "diffscope-name-aliases") {
    throw Error(where + ": not a diffscope-name-aliases file");
  }
  if (!j.contains("version") || j.at("version") != 1) throw Error(where + ": unsupported version (this build reads 1)");
  if (!j.contains("aliases") || !j.at("aliases").is_object()) throw Error(where + ": 'aliases' must be an object");
  const json& object = j.at("aliases");
  // An emoji's name in some language is under 100 bytes; the shipped model has 17,768.
  if (object.size() > 1'000'000) throw Error(where + ": more than 1,000,000 names");
  std::map<std::string, std::string> read;
  for (const auto& [alias, words] : object.items()) {
    if (!words.is_string()) throw Error(where + ": '" + alias.substr(0, 64) + "' is not a text");
    const std::string& value = words.get_ref<const std::string&>();
    if (alias.empty() || value.empty() || alias.size() > 1000 || value.size() > 1000) {
      throw Error(where + ": every name and its words must hold 1 to 1,000 bytes");
    }
    read.emplace(alias, value);
  }
  return read;
}

std::map<std::string, std::string> load_name_aliases(const std::filesystem::path& path) {
  const json j = read_json_file(path, "the name aliases file");
  try {
    return name_aliases_from_json(j);
  } catch (const Error& e) {
    throw Error(path.string() + ": " + e.what());
  }
}

void save_name_aliases(const std::map<std::string, std::string>& aliases, const std::filesystem::path& path) {
  write_file_atomically(path, name_aliases_to_json(aliases).dump(1) + "\n");
}

}  // namespace diffscope::ldm
