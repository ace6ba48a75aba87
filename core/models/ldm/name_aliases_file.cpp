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

namespace {

const std::string kWhere = "name aliases";

const std::string& text_of(const json& value, const std::string& what) {
  if (!value.is_string()) throw Error(kWhere + ": " + what + " is not a text");
  const std::string& text = value.get_ref<const std::string&>();
  if (text.empty() || text.size() > 1000) throw Error(kWhere + ": " + what + " must hold 1 to 1,000 bytes");
  return text;
}

CaptionPhrases captions_from_json(const json& object) {
  if (!object.is_object()) throw Error(kWhere + ": 'captions' must be an object");
  // The shipped model's index has one entry per trained emoji (about 1,800).
  if (object.size() > 100'000) throw Error(kWhere + ": more than 100,000 caption names");
  CaptionPhrases captions;
  for (const auto& [name, phrases] : object.items()) {
    const std::string what = "the caption '" + name.substr(0, 64) + "'";
    if (name.empty() || name.size() > 1000) throw Error(kWhere + ": a caption name must hold 1 to 1,000 bytes");
    if (!phrases.is_array() || phrases.size() > 1000) throw Error(kWhere + ": " + what + " needs up to 1,000 phrases");
    std::vector<std::string>& read = captions[name];
    for (const json& phrase : phrases) read.push_back(text_of(phrase, "a phrase of " + what));
  }
  return captions;
}

}  // namespace

json name_aliases_to_json(const PeoplesWords& words) {
  return {{"format", "diffscope-name-aliases"},
          {"version", 2},
          {"aliases", words.aliases},
          {"captions", words.captions},
          {"styles", words.styles}};
}

PeoplesWords name_aliases_from_json(const json& j) {
  const std::string& where = kWhere;
  if (!j.is_object() || !j.contains("format") || j.at("format") != "diffscope-name-aliases") {
    throw Error(where + ": not a diffscope-name-aliases file");
  }
  if (!j.contains("version") || (j.at("version") != 1 && j.at("version") != 2)) {
    throw Error(where + ": unsupported version (this build reads 1 and 2)");
  }
  if (!j.contains("aliases") || !j.at("aliases").is_object()) throw Error(where + ": 'aliases' must be an object");
  const json& object = j.at("aliases");
  // An emoji's name in some language is under 100 bytes; the shipped model has 17,768.
  if (object.size() > 1'000'000) throw Error(where + ": more than 1,000,000 names");
  PeoplesWords read_words;
  std::map<std::string, std::string>& read = read_words.aliases;
  for (const auto& [alias, words] : object.items()) {
    if (!words.is_string()) throw Error(where + ": '" + alias.substr(0, 64) + "' is not a text");
    const std::string& value = words.get_ref<const std::string&>();
    if (alias.empty() || value.empty() || alias.size() > 1000 || value.size() > 1000) {
      throw Error(where + ": every name and its words must hold 1 to 1,000 bytes");
    }
    read.emplace(alias, value);
  }
  if (j.at("version") == 1) return read_words;
  if (!j.contains("captions") || !j.contains("styles") || !j.at("styles").is_array()) {
    throw Error(where + ": version 2 needs 'captions' and a 'styles' array");
  }
  read_words.captions = captions_from_json(j.at("captions"));
  if (j.at("styles").size() > 100) throw Error(where + ": more than 100 styles");
  for (const json& style : j.at("styles")) read_words.styles.push_back(text_of(style, "a style"));
  return read_words;
}

PeoplesWords load_name_aliases(const std::filesystem::path& path) {
  const json j = read_json_file(path, "the name aliases file");
  try {
    return name_aliases_from_json(j);
  } catch (const Error& e) {
    throw Error(path.string() + ": " + e.what());
  }
}

void save_name_aliases(const PeoplesWords& words, const std::filesystem::path& path) {
  write_file_atomically(path, name_aliases_to_json(words).dump(1) + "\n");
}

}  // namespace diffscope::ldm
