#pragma once
// The words of a prompt and where their tokens sit in the conditioning a text
// encoder made of it: what word heat maps (DAAM) are summed over. A word
// split into several tokens ("sunflower" → "sun", "flower") is one word; a
// word written twice is one entry with both places, as DAAM merges them.
#include <cstdint>
#include <string>
#include <vector>

#include "core/text/prompt_chunks.h"

namespace diffscope {

struct PromptWord {
  std::string text;                // lower-cased as the tokenizer read it
  std::vector<int64_t> positions;  // token positions in the conditioning (chunk k starts at 77·k)
};

// The label of the start token's entry: it takes most of the attention
// (a known property of CLIP-conditioned U-Nets), shown beside the words.
inline constexpr const char* kStartTokenWord = "<start>";

// Adds `position` to the entry for `text` (made at the end if new).
void add_word_position(std::vector<PromptWord>& words, const std::string& text, int64_t position);

// The words of CLIP token chunks (chunk_prompt): tokens grouped up to each
// word end, the start tokens as one kStartTokenWord entry (first), the end
// tokens and padding left out, and so are words of punctuation only. A
// textual inversion's places are one word, its name in `embedding_names`
// (indexed as ChunkOptions::embeddings).
std::vector<PromptWord> clip_prompt_words(const std::vector<TokenChunk>& chunks, const ClipTokenizer& tokenizer,
                                          const std::vector<std::string>& embedding_names = {});

}  // namespace diffscope
