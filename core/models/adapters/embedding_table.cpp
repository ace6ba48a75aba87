#include "core/models/adapters/embedding_table.h"

#include <system_error>
#include <utility>

#include "core/common/errors.h"

namespace diffscope {

namespace {

std::string widths_text(const std::vector<int64_t>& widths) {
  std::string text;
  for (int64_t width : widths) text += (text.empty() ? "" : " + ") + std::to_string(width);
  return text;
}

}  // namespace

std::string embedding_mismatch(const EmbeddingFile& file, EmbeddingTowers towers, const std::vector<int64_t>& widths) {
  const bool sdxl_file = file.layout() == EmbeddingLayout::Sdxl;
  if (towers == EmbeddingTowers::One) {
    if (sdxl_file) return "it is an SDXL embedding (" + file.describe() + "); this model has one text encoder";
    if (file.widths().at(0) != widths.at(0)) {
      return "it is made for a text encoder " + std::to_string(file.widths()[0]) +
             " wide (SD 1.x: 768, SD 2.x: " + "1024); this model's is " + std::to_string(widths[0]) + " wide";
    }
    return "";
  }
  if (!sdxl_file) {
    return "it holds one tower's vectors (" + file.describe() + "); an SDXL embedding holds clip_l and clip_g";
  }
  const bool fits =
      towers == EmbeddingTowers::ClipLAndG ? file.widths() == widths : file.widths().at(1) == widths.at(0);
  if (!fits) return "its towers are " + widths_text(file.widths()) + " wide; this model's " + widths_text(widths);
  return "";
}

std::string embedding_mismatch(const EmbeddingFile& file, const ModelInfo& model) {
  if (!model.options.embeddings) return "this model reads no textual-inversion embeddings";
  const int64_t context = model.text.context_dim;
  if (model.text.vector_dim == 0) return embedding_mismatch(file, EmbeddingTowers::One, {context});
  // SDXL: the context is CLIP-L's and bigG's tokens side by side (the refiner's, bigG's alone).
  if (file.layout() == EmbeddingLayout::Sdxl && context == file.widths().at(0) + file.widths().at(1)) return "";
  return embedding_mismatch(file, EmbeddingTowers::ClipGOnly, {context});
}

EmbeddingTable::EmbeddingTable(EmbeddingTowers towers, std::vector<int64_t> widths)
    : towers_(towers), widths_(std::move(widths)) {
  const size_t expected = towers_ == EmbeddingTowers::ClipLAndG ? 2 : 1;
  if (widths_.size() != expected) throw Error("an embedding table needs one width per text tower");
}

void EmbeddingTable::set(const EmbeddingScan& scan, const ClipTokenizer& tokenizer) {
  entries_.clear();
  tokens_.clear();
  names_.clear();
  used_.clear();
  auto add = [&](const std::string& name, Entry entry, int vectors) {
    std::vector<int32_t> ids = tokenizer.encode(name);
    if (ids.empty()) return;  // a name of no tokens cannot be written in a prompt
    entries_.push_back(std::move(entry));
    tokens_.push_back({std::move(ids), vectors});
    names_.push_back(name);
  };
  for (const EmbeddingFile& file : scan.files)
    add(file.name(), {file, embedding_mismatch(file, towers_, widths_)}, file.vectors());
  for (const RefusedEmbedding& refused : scan.refused) {
    add(refused.name, {std::nullopt, refused.reason}, 1);
  }
}

const EmbeddingTable::Loaded& EmbeddingTable::load(const EmbeddingFile& file) {
  std::error_code error;
  const auto time = std::filesystem::last_write_time(file.path(), error);
  const uintmax_t size = std::filesystem::file_size(file.path(), error);
  auto it = loaded_.find(file.path());
  if (it != loaded_.end() && it->second.time == time && it->second.size == size) return it->second;
  const EmbeddingVectors vectors = file.read();
  Loaded loaded{time, size, {}, embedding_short_hash(file.path())};
  switch (towers_) {
    case EmbeddingTowers::One: loaded.per_tower = {vectors.vectors}; break;
    case EmbeddingTowers::ClipLAndG: loaded.per_tower = {vectors.clip_l, vectors.clip_g}; break;
    case EmbeddingTowers::ClipGOnly: loaded.per_tower = {vectors.clip_g}; break;
  }
  return loaded_[file.path()] = std::move(loaded);
}

std::vector<sd::TokenVectors> EmbeddingTable::vectors_for(const std::vector<TokenChunk>& chunks, size_t tower) {
  std::vector<sd::TokenVectors> result;
  for (size_t row = 0; row < chunks.size(); ++row) {
    for (const EmbeddingPlace& place : chunks[row].embeddings) {
      const size_t index = static_cast<size_t>(place.embedding);
      const Entry& entry = entries_.at(index);
      if (!entry.refusal.empty()) {
        throw Error("the prompt names the textual-inversion embedding '" + names_[index] +
                    "', which this model cannot read: " + entry.refusal);
      }
      const Loaded& loaded = load(*entry.file);
      result.push_back({static_cast<int64_t>(row), place.position, loaded.per_tower.at(tower)});
      used_.insert(index);
    }
  }
  return result;
}

std::vector<UsedEmbedding> EmbeddingTable::used() const {
  std::vector<UsedEmbedding> result;
  for (size_t index : used_) {
    const auto it = loaded_.find(entries_.at(index).file->path());
    result.push_back({names_[index], it == loaded_.end() ? "" : it->second.hash});
  }
  return result;
}

}  // namespace diffscope
