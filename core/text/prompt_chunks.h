#pragma once
// AUTOMATIC1111's prompt syntax for CLIP models: emphasis "(word)" ×1.1,
// "[word]" ÷1.1, "(word:1.3)" ×1.3 (nestable, "\(" for a literal bracket),
// "BREAK" to start a new chunk; prompts longer than 75 tokens run in chunks of
// 75 (+ start and end), broken at the last comma within 20 tokens, as A1111 does.
#include <cstdint>
#include <string>
#include <vector>

#include "core/text/clip_tokenizer.h"

namespace diffscope {

struct WeightedText {
  std::string text;
  double weight = 1.0;  // kBreakWeight marks a BREAK
};
inline constexpr double kBreakWeight = -1.0;

// A1111's parse_prompt_attention: runs of text with their weights, equal
// neighbours merged; [{"", 1}] for an empty prompt.
std::vector<WeightedText> parse_prompt_emphasis(const std::string& prompt);

// A textual-inversion embedding as the chunker sees it: the tokens of its
// name and how many token positions its vectors take.
struct EmbeddingTokens {
  std::vector<int32_t> name_ids;
  int vectors = 1;
};

// Where an embedding's vectors go: `vectors` positions from `position` (an
// index into TokenChunk::ids) are the embedding's, not token embeddings.
struct EmbeddingPlace {
  int position = 0;
  int embedding = 0;  // index into ChunkOptions::embeddings
  int vectors = 1;
};

struct TokenChunk {
  std::vector<int32_t> ids;    // 77: start, 75 tokens or padding, end
  std::vector<float> weights;  // one per id; 1 for start, end and padding
  std::vector<EmbeddingPlace> embeddings;  // its positions hold placeholder id 0
};

struct ChunkOptions {
  int32_t pad_id = -1;       // -1: pad with the end token (SD 1.x); SD 2.x pads with 0
  int comma_backtrack = 20;  // A1111's comma_padding_backtrack
  // Textual inversions: where a run of a part's tokens spells a name (the
  // longest first), its vectors take the place of those tokens, kept whole
  // in one chunk, as A1111 does.
  std::vector<EmbeddingTokens> embeddings;
};

inline constexpr int kChunkTokens = 75;

// At least one chunk (an empty prompt is start, end and padding).
std::vector<TokenChunk> chunk_prompt(const std::string& prompt, const ClipTokenizer& tokenizer,
                                     const ChunkOptions& options = {});

// Each chunk is one more text-encoder pass and 77 more tokens every U-Net
// attention reads; past kMaxPromptChunks a prompt is a mistake (a pasted
// file), not a prompt: Error saying so.
inline constexpr size_t kMaxPromptChunks = 32;
void check_chunk_count(size_t chunks);

}  // namespace diffscope
