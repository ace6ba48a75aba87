#pragma once
// A textual-inversion embedding a run read, for ModelInfo and the PNG
// parameters ("TI hashes", as A1111 writes them).
#include <string>

namespace diffscope {

struct UsedEmbedding {
  std::string name;  // as the prompt spells it (the file's stem)
  std::string hash;  // embedding_short_hash
  bool operator==(const UsedEmbedding& other) const { return name == other.name && hash == other.hash; }
};

}  // namespace diffscope
