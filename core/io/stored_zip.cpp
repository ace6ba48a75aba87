#include "core/io/stored_zip.h"

#include <fstream>

#include "core/common/errors.h"

namespace diffscope {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEndOfDirectory = 0x06054b50;
constexpr size_t kLocalHeaderSize = 30, kCentralHeaderSize = 46, kEndSize = 22;
constexpr size_t kMaxComment = 0xffff;

uint32_t read_u32(std::string_view bytes, size_t at) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[at + size_t(i)]);
  return value;
}

uint16_t read_u16(std::string_view bytes, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(bytes[at]) |
                               (static_cast<unsigned char>(bytes[at + 1]) << 8));
}

}  // namespace

bool StoredZip::looks_like_zip(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string_view(magic, 4) == std::string_view("PK\3\4", 4);
}

StoredZip StoredZip::open(const std::filesystem::path& path, uint64_t max_bytes) {
  const std::string where = path.string() + ": ";
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw Error(where + "cannot be read (" + error.message() + ")");
  if (size > max_bytes) {
    throw Error(where + "is " + std::to_string(size >> 20) + " MB, more than the " + std::to_string(max_bytes >> 20) +
                " MB read from a file of this kind");
  }
  StoredZip zip;
  zip.path_ = path;
  zip.bytes_.resize(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(zip.bytes_.data(), static_cast<std::streamsize>(size))) throw Error(where + "cannot be read");
  const std::string_view bytes(zip.bytes_);

  // The end-of-directory record: the last one in the final 22 + 65535 bytes.
  if (bytes.size() < kEndSize) throw Error(where + "is not a ZIP archive (too short)");
  size_t end = std::string_view::npos;
  const size_t lowest = bytes.size() > kEndSize + kMaxComment ? bytes.size() - kEndSize - kMaxComment : 0;
  for (size_t at = bytes.size() - kEndSize + 1; at-- > lowest;) {
    if (read_u32(bytes, at) == kEndOfDirectory) {
      end = at;
      break;
    }
  }
  if (end == std::string_view::npos) throw Error(where + "is not a ZIP archive (no central directory)");
  const uint16_t count = read_u16(bytes, end + 10);
  const uint32_t directory_size = read_u32(bytes, end + 12), directory = read_u32(bytes, end + 16);
  if (directory_size == 0xffffffff || directory == 0xffffffff) {
    throw Error(where + "is a ZIP64 archive, which is not read here (a file this size is not an embedding)");
  }
  if (uint64_t(directory) + directory_size > end) throw Error(where + "has a central directory outside the file");

  size_t at = directory;
  for (uint16_t i = 0; i < count; ++i) {
    if (at + kCentralHeaderSize > end || read_u32(bytes, at) != kCentralHeader) {
      throw Error(where + "has a broken central directory (entry " + std::to_string(i) + ")");
    }
    const uint16_t method = read_u16(bytes, at + 10);
    const uint32_t compressed = read_u32(bytes, at + 20), uncompressed = read_u32(bytes, at + 24);
    const uint16_t name_length = read_u16(bytes, at + 28), extra_length = read_u16(bytes, at + 30),
                   comment_length = read_u16(bytes, at + 32);
    const uint32_t local = read_u32(bytes, at + 42);
    if (at + kCentralHeaderSize + name_length > end) throw Error(where + "has an entry name outside the directory");
    const std::string name(bytes.substr(at + kCentralHeaderSize, name_length));
    at += kCentralHeaderSize + size_t(name_length) + extra_length + comment_length;
    if (method != 0 || compressed != uncompressed) {
      throw Error(where + "entry '" + name + "' is compressed; torch.save stores its entries as they are");
    }
    if (uint64_t(local) + kLocalHeaderSize > directory || read_u32(bytes, local) != kLocalHeader) {
      throw Error(where + "entry '" + name + "' has no local header where the directory says");
    }
    const uint64_t data =
        uint64_t(local) + kLocalHeaderSize + read_u16(bytes, local + 26) + read_u16(bytes, local + 28);
    if (data + compressed > directory) throw Error(where + "entry '" + name + "' runs past the archive's data");
    if (!zip.entries_.emplace(name, std::make_pair(data, uint64_t(compressed))).second) {
      throw Error(where + "names entry '" + name + "' twice");
    }
  }
  return zip;
}

std::string_view StoredZip::entry(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(path_.string() + ": the archive has no entry '" + name + "'");
  return std::string_view(bytes_).substr(it->second.first, it->second.second);
}

std::vector<std::string> StoredZip::names() const {
  std::vector<std::string> names;
  for (const auto& [name, place] : entries_) names.push_back(name);
  return names;
}

}  // namespace diffscope
