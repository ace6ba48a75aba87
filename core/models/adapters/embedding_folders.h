#pragma once
// Where textual-inversion embeddings are looked for, and what a look finds:
// every .safetensors, .pt and .bin that is one (first folder wins a name; in
// a folder .safetensors wins), and the files that carry a name but cannot be
// read as one (broken files, a pickle that asks for code) with why — an
// error only when a prompt spells that name.
#include <filesystem>
#include <string>
#include <vector>

#include "core/models/adapters/embedding_file.h"

namespace diffscope {

struct RefusedEmbedding {
  std::string name;
  std::filesystem::path path;
  std::string reason;  // a sentence naming the file: why it is not read
};

struct EmbeddingScan {
  std::vector<EmbeddingFile> files;       // sorted by name
  std::vector<RefusedEmbedding> refused;  // sorted by name
  bool empty() const { return files.empty() && refused.empty(); }
};

// In order: `asked` (--embeddings-dir, the app's setting), then the
// checkpoint's neighbours — embeddings/ in its folder, in the folder above
// (ComfyUI's models/embeddings) and two above (A1111's webui/embeddings) —
// then <user data dir>/embeddings.
std::vector<std::filesystem::path> embedding_search_dirs(const std::vector<std::string>& asked,
                                                         const std::string& model);

// The embeddings in `dirs`; folders that do not exist are passed over.
EmbeddingScan scan_embeddings(const std::vector<std::filesystem::path>& dirs);

}  // namespace diffscope
