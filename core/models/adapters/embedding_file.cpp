#include "core/models/adapters/embedding_file.h"

#include <ATen/ATen.h>

#include "core/common/errors.h"
#include "core/io/file_hash.h"
#include "core/io/safetensors.h"

namespace diffscope {
namespace {

// A1111 trains up to 75 vectors (one chunk); a wider or longer tensor is not a text embedding.
constexpr int64_t kMaxVectors = 75;
constexpr int64_t kMaxWidth = 8192;

std::string names_of(const std::vector<SafetensorsEntry>& entries) {
  std::string names;
  for (size_t i = 0; i < entries.size() && i < 4; ++i) names += (i ? ", " : "") + entries[i].name;
  if (entries.size() > 4) names += ", …";
  return names;
}

// (n, width) of one tensor of an embedding; Error naming what is wrong.
std::pair<int64_t, int64_t> vector_shape(const SafetensorsEntry& entry, const std::filesystem::path& path) {
  const std::string where = path.string() + ": tensor '" + entry.name + "'";
  if (entry.dtype != "F32" && entry.dtype != "F16" && entry.dtype != "BF16") {
    throw Error(where + " is " + entry.dtype + "; an embedding's vectors are F32, F16 or BF16");
  }
  const auto& shape = entry.shape;
  const int64_t n = shape.size() == 2 ? shape[0] : 1, width = shape.empty() ? 0 : shape.back();
  if (shape.empty() || shape.size() > 2 || n < 1 || n > kMaxVectors || width < 1 || width > kMaxWidth) {
    std::string text;
    for (int64_t d : shape) text += (text.empty() ? "" : ", ") + std::to_string(d);
    throw Error(where + " has shape [" + text + "]; an embedding is (vectors ≤ " + std::to_string(kMaxVectors) +
                ", width) or (width)");
  }
  return {n, width};
}

}  // namespace

EmbeddingFile EmbeddingFile::open(const std::filesystem::path& path) {
  const SafetensorsFile file = SafetensorsFile::open(path);
  const auto& entries = file.entries();
  EmbeddingFile embedding;
  embedding.name_ = path.stem().string();
  embedding.path_ = path;
  if (entries.size() == 2 && file.contains("clip_l") && file.contains("clip_g")) {
    embedding.layout_ = EmbeddingLayout::Sdxl;
    embedding.tensor_names_ = {"clip_l", "clip_g"};
  } else if (file.contains("emb_params")) {
    embedding.tensor_names_ = {"emb_params"};
  } else if (entries.size() == 1) {
    embedding.tensor_names_ = {entries.front().name};
  } else {
    throw Error(path.string() + " is not a textual-inversion embedding: it holds " + std::to_string(entries.size()) +
                " tensors (" + names_of(entries) + "), where an embedding holds emb_params, clip_l and clip_g, " +
                "or one tensor");
  }
  int64_t vectors = -1;
  for (const std::string& name : embedding.tensor_names_) {
    const auto [n, width] = vector_shape(file.entry(name), path);
    if (vectors >= 0 && n != vectors) {
      throw Error(path.string() + ": clip_l holds " + std::to_string(vectors) + " vectors and clip_g " +
                  std::to_string(n) + "; the towers need one each per token");
    }
    vectors = n;
    embedding.widths_.push_back(width);
  }
  embedding.vectors_ = static_cast<int>(vectors);
  return embedding;
}

bool EmbeddingFile::looks_like_embedding(const std::filesystem::path& path) {
  try {
    const SafetensorsFile file = SafetensorsFile::open(path);
    return file.entries().size() <= 2 || file.contains("emb_params");
  } catch (const Error&) {
    return true;  // unreadable: say so when a prompt names it
  }
}

std::string EmbeddingFile::describe() const {
  std::string text = std::to_string(vectors_) + (vectors_ == 1 ? " vector, " : " vectors, ");
  if (layout_ == EmbeddingLayout::Sdxl) {
    return text + "SDXL (" + std::to_string(widths_.at(0)) + " + " + std::to_string(widths_.at(1)) + " wide)";
  }
  return text + std::to_string(widths_.at(0)) + " wide";
}

EmbeddingVectors EmbeddingFile::read() const {
  const SafetensorsFile file = SafetensorsFile::open(path_);
  std::vector<at::Tensor> tensors;
  for (size_t i = 0; i < tensor_names_.size(); ++i) {
    // The header may have changed since open(): check it again.
    const auto [n, width] = vector_shape(file.entry(tensor_names_[i]), path_);
    if (n != vectors_ || width != widths_.at(i)) throw Error(path_.string() + " changed while it was in use");
    tensors.push_back(file.tensor(tensor_names_[i]).to(at::kFloat).reshape({n, width}).clone());
    if (!at::isfinite(tensors.back()).all().item<bool>()) {
      throw Error(path_.string() + ": tensor '" + tensor_names_[i] + "' holds NaN or infinite values");
    }
  }
  EmbeddingVectors result;
  if (layout_ == EmbeddingLayout::Sdxl) {
    result.clip_l = tensors.at(0);
    result.clip_g = tensors.at(1);
  } else {
    result.vectors = tensors.at(0);
  }
  return result;
}

std::string embedding_short_hash(const std::filesystem::path& path) { return sha256_file(path).substr(0, 12); }

}  // namespace diffscope
