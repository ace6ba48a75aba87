#pragma once
// A whole file as a string, for the readers of small text files (tokenizer
// vocabularies, CLDR annotations).
#include <filesystem>
#include <string>

namespace diffscope {

// The file's bytes, unchanged; throws Error naming the file when it cannot be opened.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace diffscope
