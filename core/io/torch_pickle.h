#pragma once
// PyTorch's torch.save files (.pt, .bin) read as data, never run: the pickle
// in the archive is interpreted by a small machine that knows dicts, lists,
// tuples, numbers, strings, tensors (their storages in the archive) and the
// few PyTorch and collections names that build them. A pickle that asks for
// anything else — a function that could run code — is refused by name
// before anything is built from it. Limits keep a hostile file's structures
// small; values live in one arena, so self-referencing ones cannot leak.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace diffscope {

struct PickleValue {
  enum class Kind { None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Tensor, Global, Storage, Object, Mark };
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::string text;                                                     // String, Bytes, Global ("module.name")
  std::vector<const PickleValue*> items;                                // List, Tuple; Object: its class first
  std::vector<std::pair<const PickleValue*, const PickleValue*>> dict;  // Dict; Object: its state's
  at::Tensor tensor;

  // A Dict's (or an Object's state's) value for a string key; nullptr when absent.
  const PickleValue* get(const std::string& key) const;
};

const char* pickle_kind_name(PickleValue::Kind kind);

class TorchPickle {
 public:
  // Reads `path` (a torch.save archive up to `max_bytes`); Error naming the
  // file and what is wrong, or the Python name it will not call.
  static std::unique_ptr<TorchPickle> open(const std::filesystem::path& path, uint64_t max_bytes);

  const PickleValue& root() const { return *root_; }

  // Arena and machine: in torch_pickle.cpp.
  struct Reader;

 private:
  std::vector<std::unique_ptr<PickleValue>> arena_;
  const PickleValue* root_ = nullptr;
};

}  // namespace diffscope
