#pragma once
// Writing a textual inversion's name into a prompt and taking it out again,
// as the app's embedding list does: the name is a whole word (letters,
// digits, '_' and '-' do not continue it on either side), matched without
// regard to case as CLIP's lower-casing tokenizer reads it.
#include <string>

namespace diffscope {

// Whether `text` writes `name` as a word.
bool names_embedding(const std::string& text, const std::string& name);

// `text` with `name` appended (", NAME", or NAME alone in an empty text) when
// `present` and not there yet, or with every occurrence and the comma and
// space that joined it (and "(NAME:1.2)"'s emphasis) taken out when !present.
std::string with_embedding(const std::string& text, const std::string& name, bool present);

}  // namespace diffscope
