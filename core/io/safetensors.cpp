#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/common/errors.h"
#include "core/io/atomic_file.h"

namespace diffscope {
namespace {

struct DtypeInfo {
  const char* name;
  size_t size;
  std::optional<at::ScalarType> scalar;  // none: LibTorch cannot hold it
};

const DtypeInfo kDtypes[] = {
    {"F64", 8, at::kDouble},  {"F32", 4, at::kFloat},       {"F16", 2, at::kHalf},        {"BF16", 2, at::kBFloat16},
    {"I64", 8, at::kLong},    {"I32", 4, at::kInt},         {"I16", 2, at::kShort},       {"I8", 1, at::kChar},
    {"U8", 1, at::kByte},     {"BOOL", 1, at::kBool},       {"U16", 2, std::nullopt},     {"U32", 4, std::nullopt},
    {"U64", 8, std::nullopt}, {"F8_E4M3", 1, std::nullopt}, {"F8_E5M2", 1, std::nullopt},
};

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& info : kDtypes) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const char* dtype_name_of(at::ScalarType type) {
  for (const auto& info : kDtypes) {
    if (info.scalar && *info.scalar == type) return info.name;
  }
  throw Error(std::string("safetensors: cannot store tensors of type ") + c10::toString(type));
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& problem) {
  throw Error(path.string() + ": " + problem);
}

}  // namespace

struct SafetensorsFile::Mapping {
  void* address = MAP_FAILED;
  size_t size = 0;
  ~Mapping() {
    if (address != MAP_FAILED) munmap(address, size);
  }
  const uint8_t* bytes() const { return static_cast<const uint8_t*>(address); }
};

size_t safetensors_dtype_size(const std::string& dtype) {
  const DtypeInfo* info = find_dtype(dtype);
  return info ? info->size : 0;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  SafetensorsFile file;
  file.path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  const uint64_t file_size = static_cast<uint64_t>(info.st_size);
  if (file_size < 8) {
    ::close(fd);
    fail(path, "truncated: " + std::to_string(file_size) + " bytes is shorter than the 8-byte header length");
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->size = file_size;
  // MAP_PRIVATE + PROT_WRITE: copy-on-write, so a tensor written to by mistake never changes the file.
  mapping->address = mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapping->address == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(errno));
  file.mapping_ = mapping;

  // torch.save's formats under any name: a zip archive, or a pickle (protocol
  // 2–5 starts with PROTO). Say what it is rather than "header too large".
  const uint8_t* start = mapping->bytes();
  if (std::memcmp(start, "PK\x03\x04", 4) == 0 || (start[0] == 0x80 && start[1] >= 2 && start[1] <= 5)) {
    fail(path,
         "this is a pickled PyTorch checkpoint (torch.save's zip or pickle format), whatever its name says; "
         "loading one runs the code inside it, so DiffScope reads only safetensors files: convert it once "
         "(e.g. with the safetensors package) or download the model's .safetensors version");
  }
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | mapping->bytes()[i];
  if (header_size > kSafetensorsMaxHeader) {
    fail(path, "header of " + std::to_string(header_size) + " bytes exceeds the " +
                   std::to_string(kSafetensorsMaxHeader) + "-byte limit (not a safetensors file?)");
  }
  if (header_size > file_size - 8) {
    fail(path, "truncated: the header claims " + std::to_string(header_size) + " bytes but the file has " +
                   std::to_string(file_size - 8) + " after the length");
  }
  file.data_start_ = 8 + header_size;
  const uint64_t data_size = file_size - file.data_start_;

  // The rules below are those of the format's reference implementation
  // (huggingface/safetensors, `read_metadata` and `validate`): the header is a
  // JSON object starting at its first byte; the tensors, sorted by offset,
  // tile the data section exactly — no gap, no overlap, nothing after.
  if (header_size == 0 || mapping->bytes()[8] != '{') {
    fail(path, "the header does not start with '{' (not a safetensors file?)");
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(mapping->bytes() + 8, mapping->bytes() + 8 + header_size);
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");

  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail(path, "__metadata__ is not an object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string()) fail(path, "__metadata__ value '" + key + "' is not a string");
        file.metadata_[key] = text.get<std::string>();
      }
      continue;
    }
    if (name.size() > kSafetensorsMaxName) {
      fail(path, "a tensor name of " + std::to_string(name.size()) + " bytes (\"" + name.substr(0, 40) +
                     "…\"): the longest accepted is " + std::to_string(kSafetensorsMaxName));
    }
    const std::string where = "tensor '" + name + "': ";
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets")) {
      fail(path, where + "needs dtype, shape and data_offsets");
    }
    SafetensorsEntry entry;
    entry.name = name;
    if (!value["dtype"].is_string()) fail(path, where + "dtype is not a string");
    entry.dtype = value["dtype"].get<std::string>();
    const DtypeInfo* dtype = find_dtype(entry.dtype);
    if (dtype == nullptr) fail(path, where + "unknown dtype '" + entry.dtype + "'");
    const auto& shape = value["shape"];
    if (!shape.is_array()) fail(path, where + "shape is not a list");
    uint64_t elements = 1;
    for (const auto& dim : shape) {
      if (!dim.is_number_unsigned()) fail(path, where + "shape has a negative or non-integer dimension");
      const uint64_t d = dim.get<uint64_t>();
      if (d != 0 && elements > (uint64_t{1} << 62) / d) fail(path, where + "shape is too large");
      elements *= d;
      entry.shape.push_back(static_cast<int64_t>(d));
    }
    const auto& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      fail(path, where + "data_offsets must be two non-negative integers");
    }
    entry.begin = offsets[0].get<uint64_t>();
    entry.end = offsets[1].get<uint64_t>();
    if (entry.begin > entry.end || entry.end > data_size) {
      fail(path, where + "data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                     "] lie outside the " + std::to_string(data_size) + "-byte data section (truncated file?)");
    }
    if (entry.end - entry.begin != elements * dtype->size) {
      fail(path, where + "holds " + std::to_string(entry.end - entry.begin) + " bytes but dtype " + entry.dtype +
                     " and its shape need " + std::to_string(elements * dtype->size));
    }
    file.entries_.push_back(std::move(entry));
  }

  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& entry : file.entries_) by_offset.push_back(&entry);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) {
    return a->begin < b->begin || (a->begin == b->begin && a->end < b->end);
  });
  uint64_t covered = 0;
  for (size_t i = 0; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < covered) {
      fail(path, "tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");
    }
    if (by_offset[i]->begin > covered) {
      fail(path, "a gap of " + std::to_string(by_offset[i]->begin - covered) + " bytes before tensor '" +
                     by_offset[i]->name + "' (the format allows none)");
    }
    covered = by_offset[i]->end;
  }
  if (covered != data_size) {
    fail(path, "the tensors end at byte " + std::to_string(covered) + " of the " + std::to_string(data_size) +
                   "-byte data section: " + std::to_string(data_size - covered) +
                   " bytes follow them (a damaged or padded file)");
  }
  for (size_t i = 0; i < file.entries_.size(); ++i) file.index_[file.entries_[i].name] = i;
  return file;
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) != 0; }

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) fail(path_, "has no tensor '" + name + "'");
  return entries_[it->second];
}

at::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const DtypeInfo* dtype = find_dtype(e.dtype);
  if (!dtype->scalar) fail(path_, "tensor '" + name + "' has dtype " + e.dtype + ", which LibTorch cannot hold");
  const auto options = at::TensorOptions().dtype(*dtype->scalar);
  uint8_t* data = static_cast<uint8_t*>(mapping_->address) + data_start_ + e.begin;
  if (e.end == e.begin) return at::empty(e.shape, options);
  if (reinterpret_cast<uintptr_t>(data) % dtype->size != 0) {
    // Vectorised kernels may assume natural alignment: copy.
    at::Tensor copy = at::empty(e.shape, options);
    std::memcpy(copy.data_ptr(), data, e.end - e.begin);
    return copy;
  }
  auto keep_alive = mapping_;
  return at::from_blob(
      data, e.shape, [keep_alive](void*) {}, options);
}

void SafetensorsFile::release_pages(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t start = reinterpret_cast<uintptr_t>(mapping_->address) + data_start_ + e.begin;
  const uintptr_t first = (start + page - 1) / page * page, last = (start + (e.end - e.begin)) / page * page;
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

void write_safetensors(const std::filesystem::path& path, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {  // std::map: sorted by name
    if (name == "__metadata__") throw Error("safetensors: '__metadata__' cannot name a tensor");
    at::Tensor cpu = tensor.to(at::kCPU).contiguous();
    const uint64_t bytes = cpu.numel() * cpu.element_size();
    header[name] = {{"dtype", dtype_name_of(cpu.scalar_type())},
                    {"shape", cpu.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(std::move(cpu));
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // align the data section to 8 bytes

  AtomicFile file(path);
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(static_cast<uint64_t>(json.size()) >> (8 * i));
  bool written = std::fwrite(length, 1, 8, file.stream()) == 8 &&
                 std::fwrite(json.data(), 1, json.size(), file.stream()) == json.size();
  for (const auto& tensor : contiguous) {
    const size_t bytes = static_cast<size_t>(tensor.numel() * tensor.element_size());
    if (bytes == 0) continue;  // an empty tensor's data pointer may be null, which fwrite must not get (UBSan)
    written = written && std::fwrite(tensor.data_ptr(), 1, bytes, file.stream()) == bytes;
  }
  if (!written) throw Error(path.string() + ": writing failed: " + std::strerror(errno));
  file.commit();
}

}  // namespace diffscope
