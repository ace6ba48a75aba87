#include "core/models/sd/weight_store.h"

#include <ATen/ATen.h>

#include "core/common/errors.h"

namespace diffscope::sd {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

WeightStore::WeightStore(at::ScalarType compute_type, c10::Device device)
    : compute_type_(compute_type), device_(device) {}

void WeightStore::add_file(std::shared_ptr<const SafetensorsFile> file,
                           const std::function<std::optional<std::string>(const std::string&)>& rename) {
  for (const SafetensorsEntry& entry : file->entries()) {
    const std::optional<std::string> name = rename ? rename(entry.name) : std::optional<std::string>(entry.name);
    if (!name) {
      not_model_.push_back(file->path().filename().string() + ": " + entry.name);
      continue;
    }
    if (sources_.count(*name) != 0) {
      throw Error(file->path().string() + ": tensor '" + entry.name + "' is also given by " +
                  sources_.at(*name).file->path().string());
    }
    sources_[*name] = Source{file, entry.name};
    bytes_total_ += entry.end - entry.begin;
  }
}

void WeightStore::drop_prefix(const std::string& prefix) {
  for (const std::string& name : names_with_prefix(prefix)) {
    const Source& s = sources_.at(name);
    const SafetensorsEntry& entry = s.file->entry(s.name_in_file);
    bytes_total_ -= entry.end - entry.begin;
    sources_.erase(name);
  }
}

const WeightStore::Source& WeightStore::source(const std::string& name) const {
  auto it = sources_.find(name);
  if (it == sources_.end())
    throw Error("the checkpoint has no tensor '" + name + "' (incomplete or another model type?)");
  return it->second;
}

std::vector<int64_t> WeightStore::shape(const std::string& name) const {
  const Source& s = source(name);
  return s.file->entry(s.name_in_file).shape;
}

at::Tensor WeightStore::fetch(const std::string& name, const std::vector<int64_t>& expected_shape) {
  const Source& s = source(name);
  const SafetensorsEntry& entry = s.file->entry(s.name_in_file);
  if (entry.shape != expected_shape) {
    throw Error(s.file->path().string() + ": tensor '" + s.name_in_file + "' has shape " + shape_text(entry.shape) +
                ", the model needs " + shape_text(expected_shape));
  }
  if (entry.dtype != "F32" && entry.dtype != "F16" && entry.dtype != "BF16") {
    throw Error(s.file->path().string() + ": tensor '" + s.name_in_file + "' is " + entry.dtype +
                ", not a float tensor");
  }
  if (!taken_.insert(name).second) throw Error("internal: tensor '" + name + "' was used twice");
  at::Tensor tensor = s.file->tensor(s.name_in_file);
  bytes_done_ += entry.end - entry.begin;
  if (progress_) progress_(bytes_done_, bytes_total_);
  return tensor;
}

at::Tensor WeightStore::take(const std::string& name, std::vector<int64_t> expected_shape) {
  at::Tensor stored = fetch(name, expected_shape);
  // Same type on the CPU: the memory-mapped bytes are used as they are;
  // otherwise the mapped pages are dropped once converted.
  at::Tensor out = stored.to(device_, compute_type_);
  if (out.data_ptr() != stored.data_ptr()) {
    const Source& s = source(name);
    stored.reset();
    s.file->release_pages(s.name_in_file);
  }
  if (!at::isfinite(out).all().item<bool>()) {
    throw Error("tensor '" + name + "' holds NaN or infinite values (in " + at::toString(compute_type_) + ")");
  }
  for (const std::string& prefix : kept_prefixes_) {
    if (name.rfind(prefix, 0) == 0) {
      kept_[name] = out;
      break;
    }
  }
  return out;
}

at::Tensor WeightStore::take_stored(const std::string& name, std::vector<int64_t> expected_shape) {
  if (!device_.is_cpu()) return take(name, std::move(expected_shape));
  at::Tensor stored = fetch(name, expected_shape);
  if (!at::isfinite(stored).all().item<bool>()) throw Error("tensor '" + name + "' holds NaN or infinite values");
  const Source& s = source(name);
  s.file->release_pages(s.name_in_file);
  return stored;
}

at::Tensor WeightStore::taken(const std::string& name) const {
  auto it = kept_.find(name);
  if (it == kept_.end()) throw Error("internal: tensor '" + name + "' was not kept after loading");
  return it->second;
}

void WeightStore::replace_taken(const std::string& name, const at::Tensor& tensor) {
  auto it = kept_.find(name);
  if (it != kept_.end()) it->second = tensor;
}

void WeightStore::restore_taken(const std::vector<std::string>& names) {
  std::map<std::filesystem::path, SafetensorsFile> fresh;  // one mapping per file
  for (const std::string& name : names) {
    at::Tensor loaded = taken(name);
    const Source& s = source(name);
    auto it = fresh.find(s.file->path());
    if (it == fresh.end()) it = fresh.emplace(s.file->path(), SafetensorsFile::open(s.file->path())).first;
    if (!it->second.contains(s.name_in_file) ||
        it->second.entry(s.name_in_file).shape != s.file->entry(s.name_in_file).shape) {
      throw Error(s.file->path().string() + " changed on disk since it was loaded: load the model again");
    }
    loaded.copy_(it->second.tensor(s.name_in_file).to(loaded.device(), loaded.scalar_type()));
  }
}

void WeightStore::allow_retake(const std::string& prefix) {
  for (auto it = taken_.lower_bound(prefix); it != taken_.end() && it->compare(0, prefix.size(), prefix) == 0;) {
    it = taken_.erase(it);
  }
}

at::Tensor WeightStore::take_float_cpu(const std::string& name, std::vector<int64_t> expected_shape) {
  return fetch(name, expected_shape).to(at::kFloat);
}

void WeightStore::skip(const std::string& name) {
  if (sources_.count(name) != 0) {
    skipped_.insert(name);
    const Source& s = sources_.at(name);
    const SafetensorsEntry& entry = s.file->entry(s.name_in_file);
    bytes_done_ += entry.end - entry.begin;
  }
}

std::vector<std::string> WeightStore::unused() const {
  std::vector<std::string> names = not_model_;
  for (const auto& [name, source] : sources_) {
    if (taken_.count(name) == 0 && skipped_.count(name) == 0) names.push_back(name);
  }
  return names;
}

std::vector<std::string> WeightStore::names_with_prefix(const std::string& prefix) const {
  std::vector<std::string> names;
  for (auto it = sources_.lower_bound(prefix); it != sources_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    names.push_back(it->first);
  }
  return names;
}

}  // namespace diffscope::sd
