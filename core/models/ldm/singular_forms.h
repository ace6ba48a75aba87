#pragma once
// English plurals read as their singular: captions name one thing ("red
// apple"), people ask for several ("apples", "cherries", "tomatoes"). Shared
// by the tokenizer (a word the vocabulary lacks) and the nearest-caption index
// (a word the index lacks), so that both read a plural the same way.
#include <string>
#include <vector>

namespace diffscope::ldm {

// The singulars a word may be the plural of, the likeliest first: "cats" →
// cat; "cherries" → cherrie, cherry; "boxes" → boxe, box. Empty for a word of
// fewer than four letters or one not ending in "s" ("bus" and "gas" stay as
// written); a four-letter "-ies" word ("pies") gives only its "-s" stem.
std::vector<std::string> singular_candidates(const std::string& word);

}  // namespace diffscope::ldm
