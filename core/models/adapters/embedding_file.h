#pragma once
// Textual-inversion embeddings (A1111's embeddings/ folder): learned token
// vectors that a word of the prompt — the file's stem — stands for. Read
// from .safetensors, and from torch.save's .pt/.bin as data (torch_pickle.h:
// nothing in them is run), in the layouts people have:
//  - A1111's .pt: "string_to_param" {"*": (n, width)}; its .safetensors
//    export: "emb_params" (n, width);
//  - diffusers / PEFT: one tensor named after its token, (width) or (n, width);
//  - SDXL: "clip_l" (n, 768) and "clip_g" (n, 1280), one per text tower.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace diffscope {

enum class EmbeddingLayout { OneTower, Sdxl };

// The vectors of one file in float32, (n, width) each; clip_l/clip_g for
// the Sdxl layout, `vectors` for OneTower.
struct EmbeddingVectors {
  at::Tensor vectors, clip_l, clip_g;
};

class EmbeddingFile {
 public:
  // Reads the header only; Error naming the file when it is not an
  // embedding (with what it holds) or cannot be read.
  static EmbeddingFile open(const std::filesystem::path& path);
  // open() for a file met in a folder of embeddings: nothing (and no error)
  // when its header is a LoRA's or a checkpoint's sharing the folder.
  static std::optional<EmbeddingFile> open_in_folder(const std::filesystem::path& path);

  const std::string& name() const { return name_; }  // the file's stem: what a prompt writes
  const std::filesystem::path& path() const { return path_; }
  EmbeddingLayout layout() const { return layout_; }
  int vectors() const { return vectors_; }
  // OneTower: {width}; Sdxl: {clip_l width, clip_g width}.
  const std::vector<int64_t>& widths() const { return widths_; }
  // "2 vectors, 768 wide" / "1 vector, SDXL (768 + 1280 wide)".
  std::string describe() const;

  // The tensors in float32 (copied: the file is not kept open).
  EmbeddingVectors read() const;

 private:
  static std::optional<EmbeddingFile> read_header(const std::filesystem::path& path, bool skip_models);

  std::string name_;
  std::filesystem::path path_;
  EmbeddingLayout layout_ = EmbeddingLayout::OneTower;
  int vectors_ = 1;
  std::vector<int64_t> widths_;
  std::vector<std::string> tensor_names_;  // OneTower: one; Sdxl: clip_l, clip_g
  std::vector<at::Tensor> pickled_;        // a torch.save file's vectors (float32), read once
};

// A1111's short hash of an embedding ("TI hashes"): the first 12 hex digits
// of the whole file's SHA-256.
std::string embedding_short_hash(const std::filesystem::path& path);

}  // namespace diffscope
