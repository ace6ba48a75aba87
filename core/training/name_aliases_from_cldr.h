#pragma once
// The built-in model's name aliases (core/models/ldm/name_aliases.h), made
// from the data set's CLDR phrasings: every other language's name of an emoji,
// read as its English caption name ("roter Apfel", "红苹果" → "red apple").
// Names only: CLDR keywords include everyday words ("una", "est", "sur" are
// keywords of clock faces and arrows) that would rewrite ordinary prompts.
#include <map>
#include <string>
#include <vector>

#include "core/data/emoji_pairs.h"
#include "core/models/ldm/word_tokenizer.h"

namespace diffscope {

// Left out: English (the captions are English already); a name whose words
// the vocabulary holds all of ("pizza" in German or Spanish keeps the meaning
// the model learned); a name two emoji share. `images`: those the model was
// trained on.
std::map<std::string, std::string> cldr_name_aliases(const EmojiPairs& pairs, const std::vector<int64_t>& images,
                                                     const std::vector<std::string>& vocabulary,
                                                     ldm::WordSplit split);

}  // namespace diffscope
