#pragma once
// A whole file as a string, for the readers of small text files (tokenizer
// vocabularies, CLDR annotations), or parsed as JSON.
#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>

namespace diffscope {

// The file's bytes, unchanged; throws Error naming the file when it cannot be opened.
std::string read_text_file(const std::filesystem::path& path);

// The file as JSON; throws Error naming it as `what` ("the model config") and
// its path when it cannot be opened or is not valid JSON.
nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& what);

}  // namespace diffscope
