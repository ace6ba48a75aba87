#pragma once
// How the built-in model reads people's words, in a file of its own beside its
// config: "<model>.aliases.json", {"format": "diffscope-name-aliases",
// "version": 2, "aliases": {name: words}, "captions": {emoji name: [phrases]},
// "styles": [word]} — the name aliases (name_aliases.h) and the index of
// nearest captions (nearest_caption.h). Version 1 files hold aliases only. The
// shipped model's 17,768 aliases are over 1 MB of JSON; kept inside the config
// they made every read of it 40 times slower (18.8 ms instead of 0.5 ms), and
// the app reads the config on its UI thread to describe a model. Only loading
// the model, in the worker thread, reads this file.
#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/models/ldm/nearest_caption.h"

namespace diffscope::ldm {

struct PeoplesWords {
  std::map<std::string, std::string> aliases;  // name_aliases.h
  CaptionPhrases captions;                     // nearest_caption.h; empty: prompts are read as written
  std::vector<std::string> styles;             // kept as written when a caption is matched
  bool empty() const { return aliases.empty() && captions.empty(); }
};

// models/diffscope-emoji.json → models/diffscope-emoji.aliases.json
std::filesystem::path name_aliases_path(const std::filesystem::path& config_path);

nlohmann::json name_aliases_to_json(const PeoplesWords& words);
// Error naming what is wrong: not the format, not an object of texts, an empty
// or over-long (1,000 bytes) name, replacement, phrase or style, over 1,000,000
// names, over 100,000 caption names or 1,000 phrases for one, over 100 styles.
PeoplesWords name_aliases_from_json(const nlohmann::json& json);

// Error naming the file when it cannot be read, is not JSON or is refused.
PeoplesWords load_name_aliases(const std::filesystem::path& path);
// Written atomically (core/io/atomic_file.h).
void save_name_aliases(const PeoplesWords& words, const std::filesystem::path& path);

}  // namespace diffscope::ldm
