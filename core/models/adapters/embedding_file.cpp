#include "core/models/adapters/embedding_file.h"

#include <ATen/ATen.h>

#include "core/common/errors.h"
#include "core/io/file_hash.h"
#include "core/io/safetensors.h"
#include "core/io/stored_zip.h"
#include "core/io/torch_pickle.h"

namespace diffscope {
namespace {

// A1111 trains up to 75 vectors (one chunk); a wider or longer tensor is not a text embedding.
constexpr int64_t kMaxVectors = 75;
constexpr int64_t kMaxWidth = 8192;
// A1111's .pt embeddings are KB; a larger torch.save file is a model, not read here.
constexpr uint64_t kMaxPickleBytes = 64ull << 20;

// One tensor of a file: what choosing and checking need.
struct Candidate {
  std::string name, dtype;  // dtype as safetensors writes it ("F32")
  std::vector<int64_t> shape;
};

std::string names_of(const std::vector<Candidate>& tensors) {
  std::string names;
  for (size_t i = 0; i < tensors.size() && i < 4; ++i) names += (i ? ", " : "") + tensors[i].name;
  if (tensors.size() > 4) names += ", …";
  return names;
}

const Candidate* find(const std::vector<Candidate>& tensors, const std::string& name) {
  for (const Candidate& tensor : tensors) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

// (n, width) of one tensor of an embedding; Error naming what is wrong.
std::pair<int64_t, int64_t> vector_shape(const Candidate& tensor, const std::filesystem::path& path) {
  const std::string where = path.string() + ": tensor '" + tensor.name + "'";
  if (tensor.dtype != "F32" && tensor.dtype != "F16" && tensor.dtype != "BF16") {
    throw Error(where + " is " + tensor.dtype + "; an embedding's vectors are F32, F16 or BF16");
  }
  const auto& shape = tensor.shape;
  const int64_t n = shape.size() == 2 ? shape[0] : 1, width = shape.empty() ? 0 : shape.back();
  if (shape.empty() || shape.size() > 2 || n < 1 || n > kMaxVectors || width < 1 || width > kMaxWidth) {
    std::string text;
    for (int64_t d : shape) text += (text.empty() ? "" : ", ") + std::to_string(d);
    throw Error(where + " has shape [" + text + "]; an embedding is (vectors ≤ " + std::to_string(kMaxVectors) +
                ", width) or (width)");
  }
  return {n, width};
}

std::string dtype_name(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return "F32";
    case at::kHalf: return "F16";
    case at::kBFloat16: return "BF16";
    case at::kDouble: return "F64";
    case at::kLong: return "I64";
    case at::kInt: return "I32";
    default: return "another type";
  }
}

// The tensors of a torch.save embedding: A1111's string_to_param (a dict or
// an old ParameterDict) holding one tensor, or the top-level tensors
// (diffusers' learned_embeds.bin, emb_params, clip_l/clip_g).
std::vector<std::pair<std::string, at::Tensor>> pickled_tensors(const PickleValue& root,
                                                                const std::filesystem::path& path) {
  if (root.kind != PickleValue::Kind::Dict) {
    throw Error(path.string() + " holds " + pickle_kind_name(root.kind) + ", not an embedding's dict");
  }
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  if (const PickleValue* params = root.get("string_to_param")) {
    const PickleValue* dict = params->kind == PickleValue::Kind::Object ? params->get("_parameters") : params;
    if (dict == nullptr || dict->kind != PickleValue::Kind::Dict || dict->dict.size() != 1 ||
        dict->dict[0].second->kind != PickleValue::Kind::Tensor) {
      throw Error(path.string() + ": its string_to_param is not one tensor, as A1111's embeddings hold");
    }
    tensors.emplace_back("string_to_param", dict->dict[0].second->tensor);
    return tensors;
  }
  for (const auto& [key, value] : root.dict) {
    if (key->kind == PickleValue::Kind::String && value->kind == PickleValue::Kind::Tensor) {
      tensors.emplace_back(key->text, value->tensor);
    }
  }
  return tensors;
}

}  // namespace

EmbeddingFile EmbeddingFile::open(const std::filesystem::path& path) { return *read_header(path, false); }

std::optional<EmbeddingFile> EmbeddingFile::open_in_folder(const std::filesystem::path& path) {
  return read_header(path, true);
}

std::optional<EmbeddingFile> EmbeddingFile::read_header(const std::filesystem::path& path, bool skip_models) {
  EmbeddingFile embedding;
  embedding.name_ = path.stem().string();
  embedding.path_ = path;
  std::vector<Candidate> tensors;
  std::vector<std::pair<std::string, at::Tensor>> pickled;
  const std::string extension = path.extension().string();
  if (extension == ".pt" || extension == ".bin" || StoredZip::looks_like_zip(path)) {
    // torch.save's archive, read as data (torch_pickle.h); small enough to keep.
    pickled = pickled_tensors(TorchPickle::open(path, kMaxPickleBytes)->root(), path);
    for (const auto& [name, tensor] : pickled)
      tensors.push_back({name, dtype_name(tensor.scalar_type()), tensor.sizes().vec()});
  } else {
    const SafetensorsFile file = SafetensorsFile::open(path);
    // A LoRA or a checkpoint holds many tensors and no emb_params.
    if (skip_models && file.entries().size() > 2 && !file.contains("emb_params")) return std::nullopt;
    for (const SafetensorsEntry& entry : file.entries()) tensors.push_back({entry.name, entry.dtype, entry.shape});
  }
  if (tensors.size() == 2 && find(tensors, "clip_l") && find(tensors, "clip_g")) {
    embedding.layout_ = EmbeddingLayout::Sdxl;
    embedding.tensor_names_ = {"clip_l", "clip_g"};
  } else if (find(tensors, "emb_params")) {
    embedding.tensor_names_ = {"emb_params"};
  } else if (tensors.size() == 1) {
    embedding.tensor_names_ = {tensors.front().name};
  } else {
    throw Error(path.string() + " is not a textual-inversion embedding: it holds " + std::to_string(tensors.size()) +
                " tensors (" + names_of(tensors) + "), where an embedding holds emb_params, clip_l and clip_g, " +
                "or one tensor");
  }
  int64_t vectors = -1;
  for (const std::string& name : embedding.tensor_names_) {
    const auto [n, width] = vector_shape(*find(tensors, name), path);
    if (vectors >= 0 && n != vectors) {
      throw Error(path.string() + ": clip_l holds " + std::to_string(vectors) + " vectors and clip_g " +
                  std::to_string(n) + "; the towers need one each per token");
    }
    vectors = n;
    embedding.widths_.push_back(width);
    for (const auto& [pickled_name, tensor] : pickled) {
      if (pickled_name == name) embedding.pickled_.push_back(tensor.to(at::kFloat).reshape({n, width}));
    }
  }
  embedding.vectors_ = static_cast<int>(vectors);
  return embedding;
}

std::string EmbeddingFile::describe() const {
  std::string text = std::to_string(vectors_) + (vectors_ == 1 ? " vector, " : " vectors, ");
  if (layout_ == EmbeddingLayout::Sdxl) {
    return text + "SDXL (" + std::to_string(widths_.at(0)) + " + " + std::to_string(widths_.at(1)) + " wide)";
  }
  return text + std::to_string(widths_.at(0)) + " wide";
}

EmbeddingVectors EmbeddingFile::read() const {
  std::vector<at::Tensor> tensors;
  std::optional<SafetensorsFile> file;  // opened once; its header may have changed since open(): checked again
  if (pickled_.empty()) file.emplace(SafetensorsFile::open(path_));
  for (size_t i = 0; i < tensor_names_.size(); ++i) {
    if (!file) {
      tensors.push_back(pickled_.at(i));
    } else {
      const SafetensorsEntry& entry = file->entry(tensor_names_[i]);
      const auto [n, width] = vector_shape({entry.name, entry.dtype, entry.shape}, path_);
      if (n != vectors_ || width != widths_.at(i)) throw Error(path_.string() + " changed while it was in use");
      tensors.push_back(file->tensor(tensor_names_[i]).to(at::kFloat).reshape({n, width}).clone());
    }
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
