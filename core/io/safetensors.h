#pragma once
// safetensors (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets}, and an
// optional "__metadata__": {string: string}}, then the raw little-endian data.
// Files are memory-mapped; the header is validated before any tensor is made.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace diffscope {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // as written: "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data section
};

class SafetensorsFile {
 public:
  // Maps and validates; throws diffscope::Error naming the file and the problem.
  static SafetensorsFile open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::vector<SafetensorsEntry>& entries() const { return entries_; }  // in file order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;
  // A CPU tensor over the mapped bytes (copy-on-write: writes never reach the
  // file). It keeps the mapping alive. Unaligned data is copied.
  at::Tensor tensor(const std::string& name) const;
  // Hands a tensor's pages back to the kernel once a converted copy exists
  // (they count in the resident size otherwise; read again if touched).
  // Only for tensors no view of tensor() still uses.
  void release_pages(const std::string& name) const;

 private:
  struct Mapping;
  std::filesystem::path path_;
  std::shared_ptr<Mapping> mapping_;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
  uint64_t data_start_ = 0;
};

// Largest header accepted (the reference implementation's limit).
constexpr uint64_t kSafetensorsMaxHeader = 100 * 1000 * 1000;
// The longest tensor name accepted. Real ones are under 200 bytes; the name
// mappers match names with std::regex, which recurses once per character and
// would overflow the stack on a hostile name of ~100 KB.
constexpr size_t kSafetensorsMaxName = 1024;

// Bytes per element of a safetensors dtype name, or 0 when unknown.
size_t safetensors_dtype_size(const std::string& dtype);

// Writes tensors (any device; copied to the CPU) sorted by name, atomically:
// a temporary file beside `path` is renamed over it only when complete.
void write_safetensors(const std::filesystem::path& path, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace diffscope
