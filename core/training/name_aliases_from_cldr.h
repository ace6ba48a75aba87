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
#include "core/models/ldm/nearest_caption.h"
#include "core/models/ldm/word_tokenizer.h"

namespace diffscope {

// Left out: English (the captions are English already); a name whose words
// the vocabulary holds all of ("pizza" in German or Spanish keeps the meaning
// the model learned); a name two emoji share. `images`: those the model was
// trained on.
std::map<std::string, std::string> cldr_name_aliases(const EmojiPairs& pairs, const std::vector<int64_t>& images,
                                                     const std::vector<std::string>& vocabulary,
                                                     ldm::WordSplit split);

// The nearest-caption index (core/models/ldm/nearest_caption.h): for each
// emoji of `images`, the words of its training captions' keywords and of its
// CLDR names and keywords in every language the data set holds, each word once
// (one phrase, cut by the index's Unicode rule: a third of the size of the
// phrases themselves).
// Keywords everyday enough to rewrite ordinary text are harmless here: an index
// word only weighs for the emoji that hold it, and only in prompts that are not
// captions already.
ldm::CaptionPhrases caption_phrases(const EmojiPairs& pairs, const std::vector<int64_t>& images);
// The data set's style words ("emojione", "noto"), each once.
std::vector<std::string> caption_styles(const EmojiPairs& pairs);

}  // namespace diffscope
