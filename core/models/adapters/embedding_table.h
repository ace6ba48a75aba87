#pragma once
// The textual inversions one loaded SD or SDXL model reads: each embedding
// found is matched to the model's text towers (its widths, SDXL's pair), its
// name spelled in the model's tokens for chunk_prompt, and its vectors read
// once while the file is unchanged. A file that does not fit this model is
// kept with why, and is an error only when a prompt spells its name.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/models/adapters/embedding_folders.h"
#include "core/models/adapters/embedding_use.h"
#include "core/models/model_info.h"
#include "core/models/sd/clip_text_encoder.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/prompt_chunks.h"

namespace diffscope {

// The text towers a model conditions on, in the order its encoders run.
enum class EmbeddingTowers {
  One,        // SD 1.x / 2.x: one tower of `width`
  ClipLAndG,  // SDXL base: CLIP-L, then bigG
  ClipGOnly,  // SDXL refiner: bigG
};

// Why `file` does not fit a model with these text towers; empty when it does.
std::string embedding_mismatch(const EmbeddingFile& file, EmbeddingTowers towers, const std::vector<int64_t>& widths);
// The same from a model's description (its conditioning widths), for lists
// shown before the model is loaded.
std::string embedding_mismatch(const EmbeddingFile& file, const ModelInfo& model);

class EmbeddingTable {
 public:
  // widths: one per tower of `towers` (SDXL: {768, 1280}).
  EmbeddingTable(EmbeddingTowers towers, std::vector<int64_t> widths);

  // The embeddings a run may read; forgets which were used. Reads no vectors.
  void set(const EmbeddingScan& scan, const ClipTokenizer& tokenizer);

  // For ChunkOptions::embeddings and clip_prompt_words.
  const std::vector<EmbeddingTokens>& tokens() const { return tokens_; }
  const std::vector<std::string>& names() const { return names_; }

  // The vectors the chunks' embedding places take in text tower `tower`, one
  // entry per place (row = the chunk's index). Error naming an embedding the
  // chunks spell that this model cannot read, and why. Records the use.
  std::vector<sd::TokenVectors> vectors_for(const std::vector<TokenChunk>& chunks, size_t tower);

  // The embeddings read since set(), by name.
  std::vector<UsedEmbedding> used() const;

 private:
  struct Loaded {
    std::filesystem::file_time_type time;
    uintmax_t size = 0;
    std::vector<at::Tensor> per_tower;
    std::string hash;
  };
  struct Entry {
    std::optional<EmbeddingFile> file;  // unset for a refused one
    std::string refusal;                // why it cannot be read here; empty when it can
  };
  const Loaded& load(const EmbeddingFile& file);

  EmbeddingTowers towers_;
  std::vector<int64_t> widths_;
  std::vector<Entry> entries_;  // parallel to tokens_ and names_
  std::vector<EmbeddingTokens> tokens_;
  std::vector<std::string> names_;
  std::map<std::filesystem::path, Loaded> loaded_;
  std::set<size_t> used_;
};

}  // namespace diffscope
