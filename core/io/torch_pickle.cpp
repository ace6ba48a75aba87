#include "core/io/torch_pickle.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "core/common/errors.h"
#include "core/io/stored_zip.h"
#include "core/io/torch_storage.h"

namespace diffscope {

using Kind = PickleValue::Kind;

const PickleValue* PickleValue::get(const std::string& key) const {
  for (const auto& [k, v] : dict) {
    if (k->kind == Kind::String && k->text == key) return v;
  }
  return nullptr;
}

const char* pickle_kind_name(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "a bool";
    case Kind::Int: return "an int";
    case Kind::Float: return "a float";
    case Kind::String: return "a string";
    case Kind::Bytes: return "bytes";
    case Kind::List: return "a list";
    case Kind::Tuple: return "a tuple";
    case Kind::Dict: return "a dict";
    case Kind::Tensor: return "a tensor";
    case Kind::Global: return "a class";
    case Kind::Storage: return "a storage";
    case Kind::Object: return "an object";
    case Kind::Mark: return "a mark";
  }
  return "a value";
}

namespace {

// A hostile file's structures stay small: real weight files hold a few
// values per tensor.
constexpr size_t kMaxValues = 200000;
constexpr size_t kMaxDims = 8;

}  // namespace

struct TorchPickle::Reader {
  Reader(TorchPickle& pickle, const StoredZip& archive, std::string folder, std::string_view bytes)
      : out(pickle), zip(archive), prefix(std::move(folder)), where(archive.path().string() + ": "), code(bytes) {}

  TorchPickle& out;
  const StoredZip& zip;
  std::string prefix;  // the archive's folder ("archive/")
  std::string where;   // "<file>: "
  std::string_view code;
  size_t at = 0;
  std::vector<PickleValue*> stack;
  std::vector<size_t> marks;
  std::map<uint64_t, PickleValue*> memo;
  std::map<std::string, at::Tensor> storages;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(where + what + " (at byte " + std::to_string(at) + " of the pickle)");
  }

  PickleValue* make(Kind kind) {
    if (out.arena_.size() >= kMaxValues) fail("more values than a weights file holds");
    out.arena_.push_back(std::make_unique<PickleValue>());
    out.arena_.back()->kind = kind;
    return out.arena_.back().get();
  }
  std::string_view take(uint64_t n) {
    if (n > code.size() - at) fail("the pickle ends inside a value");
    const std::string_view bytes = code.substr(at, n);
    at += n;
    return bytes;
  }
  uint64_t unsigned_le(size_t n) {
    const std::string_view bytes = take(n);
    uint64_t value = 0;
    for (size_t i = n; i-- > 0;) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return value;
  }
  std::string line() {
    const size_t end = code.find('\n', at);
    if (end == std::string_view::npos) fail("a name without its end of line");
    std::string text(code.substr(at, end - at));
    at = end + 1;
    return text;
  }
  PickleValue* pop() {
    if (stack.empty() || (!marks.empty() && stack.size() <= marks.back())) fail("the pickle takes from an empty stack");
    PickleValue* value = stack.back();
    stack.pop_back();
    return value;
  }
  PickleValue* top() {
    if (stack.empty()) fail("the pickle reads an empty stack");
    return stack.back();
  }
  std::vector<PickleValue*> pop_to_mark() {
    if (marks.empty()) fail("the pickle closes a mark it never set");
    std::vector<PickleValue*> items(stack.begin() + static_cast<long>(marks.back()), stack.end());
    stack.resize(marks.back());
    marks.pop_back();
    return items;
  }
  void push(PickleValue* value) { stack.push_back(value); }
  PickleValue* text(Kind kind, std::string_view bytes) {
    PickleValue* value = make(kind);
    value->text = std::string(bytes);
    return value;
  }
  PickleValue* integer(int64_t n) {
    PickleValue* value = make(Kind::Int);
    value->integer = n;
    return value;
  }
  PickleValue* global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    if (!torch_pickle_name_allowed(full)) {
      fail("the pickle asks for Python's '" + full + "', which a file of weights does not need: it is not read " +
           "(nothing in it was run)");
    }
    return text(Kind::Global, full);
  }
  int64_t int_of(const PickleValue* value, const char* what) const {
    if (value->kind != Kind::Int) fail(std::string(what) + " is " + pickle_kind_name(value->kind) + ", not an int");
    return value->integer;
  }
  std::vector<int64_t> ints_of(const PickleValue* value, const char* what) const {
    if (value->kind != Kind::Tuple && value->kind != Kind::List) fail(std::string(what) + " is not a tuple");
    if (value->items.size() > kMaxDims) fail(std::string(what) + " has more than 8 dimensions");
    std::vector<int64_t> ints;
    for (const PickleValue* item : value->items) ints.push_back(int_of(item, what));
    return ints;
  }

  // ('storage', torch.FloatStorage, key, location, numel) → the storage's elements.
  PickleValue* persistent(const PickleValue* id) {
    if (id->kind != Kind::Tuple || id->items.size() != 5 || id->items[0]->kind != Kind::String ||
        id->items[0]->text != "storage" || id->items[1]->kind != Kind::Global || id->items[2]->kind != Kind::String) {
      fail("a persistent id that is not a tensor storage");
    }
    const std::optional<at::ScalarType> known = torch_storage_type(id->items[1]->text);
    if (!known) fail("a storage of type '" + id->items[1]->text + "'");
    const at::ScalarType type = *known;
    const std::string& key = id->items[2]->text;
    const int64_t numel = int_of(id->items[4], "a storage's size");
    auto found = storages.find(key);
    if (found == storages.end()) {
      const std::string_view bytes = zip.entry(prefix + "data/" + key);
      const uint64_t element = at::elementSize(type);
      if (numel < 0 || uint64_t(numel) > bytes.size() / element) {
        fail("storage " + key + " claims " + std::to_string(numel) + " elements; its entry holds " +
             std::to_string(bytes.size() / element));
      }
      at::Tensor storage = at::empty({numel}, at::TensorOptions().dtype(type));
      if (numel > 0) std::memcpy(storage.data_ptr(), bytes.data(), size_t(numel) * element);
      found = storages.emplace(key, storage).first;
    }
    PickleValue* value = make(Kind::Storage);
    value->tensor = found->second;
    return value;
  }

  // _rebuild_tensor(_v2)(storage, offset, size, stride, …): a strided view of
  // the storage, every element inside it, copied out.
  PickleValue* rebuild_tensor(const PickleValue* args) {
    if (args->kind != Kind::Tuple || args->items.size() < 4 || args->items[0]->kind != Kind::Storage) {
      fail("a tensor rebuilt from something that is not a storage");
    }
    const at::Tensor& storage = args->items[0]->tensor;
    const int64_t offset = int_of(args->items[1], "a tensor's offset");
    const std::vector<int64_t> size = ints_of(args->items[2], "a tensor's size");
    const std::vector<int64_t> stride = ints_of(args->items[3], "a tensor's stride");
    PickleValue* value = make(Kind::Tensor);
    try {
      value->tensor = strided_copy(storage, offset, size, stride);
    } catch (const Error& e) {
      fail(e.what());
    }
    return value;
  }

  PickleValue* call(const PickleValue* callable, const PickleValue* args) {
    if (callable->kind != Kind::Global) fail("the pickle calls " + std::string(pickle_kind_name(callable->kind)));
    if (args->kind != Kind::Tuple) fail("a call whose arguments are not a tuple");
    const std::string& name = callable->text;
    if (name == "collections.OrderedDict") {
      if (!args->items.empty()) fail("an OrderedDict built from arguments");
      return make(Kind::Dict);
    }
    if (name == "builtins.set") {  // set(list): kept as a list
      PickleValue* set = make(Kind::List);
      if (!args->items.empty() && args->items[0]->kind == Kind::List) set->items = args->items[0]->items;
      return set;
    }
    if (name == "torch._utils._rebuild_tensor" || name == "torch._utils._rebuild_tensor_v2")
      return rebuild_tensor(args);
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      if (args->items.empty() || args->items[0]->kind != Kind::Tensor) fail("a parameter without its tensor");
      return const_cast<PickleValue*>(args->items[0]);
    }
    if (name == "torch._tensor._rebuild_from_type_v2") {
      if (args->items.size() < 3 || args->items[0]->kind != Kind::Global) fail("a tensor rebuilt without its function");
      const std::string& function = args->items[0]->text;
      if (function != "torch._utils._rebuild_tensor_v2" && function != "torch._utils._rebuild_tensor") {
        fail("a tensor rebuilt by '" + function + "'");
      }
      return call(args->items[0], args->items[2]);
    }
    fail("the pickle calls '" + name + "' as a function");
  }

  void run() {
    bool stopped = false;
    while (!stopped) {
      if (at >= code.size()) fail("the pickle ends without its STOP");
      const unsigned char op = static_cast<unsigned char>(code[at++]);
      switch (op) {
        case 0x80: take(1); break;  // PROTO
        case 0x95: take(8); break;  // FRAME
        case '.': stopped = true; break;
        case '(': marks.push_back(stack.size()); break;
        case ')': push(make(Kind::Tuple)); break;
        case ']': push(make(Kind::List)); break;
        case '}': push(make(Kind::Dict)); break;
        case 't':
        case 'l': {
          PickleValue* value = make(op == 't' ? Kind::Tuple : Kind::List);
          for (PickleValue* item : pop_to_mark()) value->items.push_back(item);
          push(value);
          break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {
          PickleValue* value = make(Kind::Tuple);
          value->items.resize(op - 0x84);
          for (size_t i = value->items.size(); i-- > 0;) value->items[i] = pop();
          push(value);
          break;
        }
        case 'd': {
          const std::vector<PickleValue*> items = pop_to_mark();
          if (items.size() % 2 != 0) fail("a dict of an odd number of items");
          PickleValue* value = make(Kind::Dict);
          for (size_t i = 0; i < items.size(); i += 2) value->dict.emplace_back(items[i], items[i + 1]);
          push(value);
          break;
        }
        case 'a': {
          PickleValue* item = pop();
          PickleValue* list = top();
          if (list->kind != Kind::List) fail("an append to " + std::string(pickle_kind_name(list->kind)));
          list->items.push_back(item);
          break;
        }
        case 'e': {
          const std::vector<PickleValue*> items = pop_to_mark();
          PickleValue* list = top();
          if (list->kind != Kind::List) fail("an append to " + std::string(pickle_kind_name(list->kind)));
          list->items.insert(list->items.end(), items.begin(), items.end());
          break;
        }
        case 's': {
          PickleValue* value = pop();
          PickleValue* key = pop();
          PickleValue* dict = top();
          if (dict->kind != Kind::Dict) fail("an item set on " + std::string(pickle_kind_name(dict->kind)));
          dict->dict.emplace_back(key, value);
          break;
        }
        case 'u': {
          const std::vector<PickleValue*> items = pop_to_mark();
          PickleValue* dict = top();
          if (dict->kind != Kind::Dict) fail("items set on " + std::string(pickle_kind_name(dict->kind)));
          if (items.size() % 2 != 0) fail("an odd number of dict items");
          for (size_t i = 0; i < items.size(); i += 2) dict->dict.emplace_back(items[i], items[i + 1]);
          break;
        }
        case 'q': memo[unsigned_le(1)] = top(); break;
        case 'r': memo[unsigned_le(4)] = top(); break;
        case 0x94: memo[memo.size()] = top(); break;  // MEMOIZE
        case 'h':
        case 'j': {
          const auto found = memo.find(unsigned_le(op == 'h' ? 1 : 4));
          if (found == memo.end()) fail("the pickle reads a memo entry it never wrote");
          push(found->second);
          break;
        }
        case 'J': push(integer(static_cast<int32_t>(unsigned_le(4)))); break;
        case 'K': push(integer(int64_t(unsigned_le(1)))); break;
        case 'M': push(integer(int64_t(unsigned_le(2)))); break;
        case 0x8a: {  // LONG1: a little-endian two's complement of n ≤ 8 bytes
          const uint64_t n = unsigned_le(1);
          if (n > 8) fail("an integer of more than 64 bits");
          uint64_t bits = n == 0 ? 0 : unsigned_le(n);
          if (n > 0 && n < 8 && (bits >> (8 * n - 1)) != 0) bits |= ~uint64_t(0) << (8 * n);  // sign
          push(integer(static_cast<int64_t>(bits)));
          break;
        }
        case 'G': {
          const std::string_view bytes = take(8);
          uint64_t bits = 0;
          for (char c : bytes) bits = (bits << 8) | static_cast<unsigned char>(c);
          PickleValue* value = make(Kind::Float);
          std::memcpy(&value->number, &bits, sizeof bits);
          push(value);
          break;
        }
        case 'N': push(make(Kind::None)); break;
        case 0x88:
        case 0x89: {
          PickleValue* value = make(Kind::Bool);
          value->boolean = op == 0x88;
          push(value);
          break;
        }
        case 'X': push(text(Kind::String, take(unsigned_le(4)))); break;
        case 0x8c: push(text(Kind::String, take(unsigned_le(1)))); break;
        case 0x8d: push(text(Kind::String, take(unsigned_le(8)))); break;
        case 'T': push(text(Kind::String, take(unsigned_le(4)))); break;
        case 'U': push(text(Kind::String, take(unsigned_le(1)))); break;
        case 'B': push(text(Kind::Bytes, take(unsigned_le(4)))); break;
        case 'C': push(text(Kind::Bytes, take(unsigned_le(1)))); break;
        case 0x8e: push(text(Kind::Bytes, take(unsigned_le(8)))); break;
        case 'c': {
          const std::string module = line();
          push(global(module, line()));
          break;
        }
        case 0x93: {
          PickleValue* name = pop();
          PickleValue* module = pop();
          if (name->kind != Kind::String || module->kind != Kind::String) fail("a global named by non-strings");
          push(global(module->text, name->text));
          break;
        }
        case 'Q': {
          PickleValue* id = pop();
          push(persistent(id));
          break;
        }
        case 'R': {
          PickleValue* args = pop();
          PickleValue* callable = pop();
          push(call(callable, args));
          break;
        }
        case 0x81: {  // NEWOBJ: cls.__new__(cls, *args), its state set by BUILD
          PickleValue* args = pop();
          PickleValue* cls = pop();
          if (cls->kind != Kind::Global) fail("an object of " + std::string(pickle_kind_name(cls->kind)));
          if (cls->text == "collections.OrderedDict") {
            push(make(Kind::Dict));
            break;
          }
          (void)args;
          PickleValue* object = make(Kind::Object);
          object->items.push_back(cls);
          push(object);
          break;
        }
        case 'b': {  // BUILD: an object's state (a dict, or (dict, slots))
          PickleValue* state = pop();
          PickleValue* object = top();
          if (object->kind != Kind::Object) break;  // a dict's or tensor's state changes nothing read here
          if (state->kind == Kind::Tuple && !state->items.empty()) state = const_cast<PickleValue*>(state->items[0]);
          if (state->kind == Kind::Dict)
            object->dict.insert(object->dict.end(), state->dict.begin(), state->dict.end());
          break;
        }
        case 0x8f: push(make(Kind::List)); break;  // EMPTY_SET: kept as a list
        case 0x90: {                               // ADDITEMS
          const std::vector<PickleValue*> items = pop_to_mark();
          PickleValue* set = top();
          if (set->kind != Kind::List) fail("items added to " + std::string(pickle_kind_name(set->kind)));
          set->items.insert(set->items.end(), items.begin(), items.end());
          break;
        }
        case 0x91: {  // FROZENSET
          PickleValue* set = make(Kind::List);
          for (PickleValue* item : pop_to_mark()) set->items.push_back(item);
          push(set);
          break;
        }
        case '0': pop(); break;
        case '1': pop_to_mark(); break;
        case '2': push(top()); break;
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("the pickle uses opcode ") + hex + ", which this reader of weights files does not take");
        }
      }
    }
    if (stack.size() != 1 || !marks.empty()) fail("the pickle ends with " + std::to_string(stack.size()) + " values");
    out.root_ = stack.back();
  }
};

std::unique_ptr<TorchPickle> TorchPickle::open(const std::filesystem::path& path, uint64_t max_bytes) {
  const StoredZip zip = StoredZip::open(path, max_bytes);
  std::string pickle_name;
  for (const std::string& name : zip.names()) {
    const size_t slash = name.find('/');
    if (slash != std::string::npos && name.substr(slash + 1) == "data.pkl") pickle_name = name;
  }
  if (pickle_name.empty()) throw Error(path.string() + ": the archive has no data.pkl (not a torch.save file)");
  const std::string prefix = pickle_name.substr(0, pickle_name.size() - std::string("data.pkl").size());
  if (zip.contains(prefix + "byteorder") && zip.entry(prefix + "byteorder") != "little") {
    throw Error(path.string() + ": its tensors are stored big-endian");
  }
  auto pickle = std::unique_ptr<TorchPickle>(new TorchPickle());
  Reader reader(*pickle, zip, prefix, zip.entry(pickle_name));
  reader.run();
  return pickle;
}

}  // namespace diffscope
