#pragma once
// The ZIP container PyTorch's torch.save writes (.pt, .bin, .ckpt): every
// entry stored uncompressed, 64-byte aligned. Only stored entries are read
// (a compressed one is refused rather than inflated), every offset and size
// is checked against the file before it is used, and the whole file is held
// in memory — so only files up to a caller's limit are read.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace diffscope {

class StoredZip {
 public:
  // Error naming the file for anything that is not such an archive, or
  // for a file over `max_bytes`.
  static StoredZip open(const std::filesystem::path& path, uint64_t max_bytes);
  // Whether the file starts as a ZIP archive does ("PK\3\4").
  static bool looks_like_zip(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  // An entry's bytes (a view into the held file); Error when absent.
  std::string_view entry(const std::string& name) const;
  // The entry names, sorted.
  std::vector<std::string> names() const;

 private:
  std::filesystem::path path_;
  std::string bytes_;
  std::map<std::string, std::pair<uint64_t, uint64_t>> entries_;  // offset, size in bytes_
};

}  // namespace diffscope
