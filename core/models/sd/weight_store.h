#pragma once
// A checkpoint's tensors as the Stable Diffusion networks take them: each by
// its CompVis name with the shape it must have, converted once to the compute
// type on the compute device. It remembers what was taken, so a loader can
// prove that every tensor was used exactly once, and it reports progress
// (bytes taken) through a callback that may cancel by throwing Cancelled.
#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/io/safetensors.h"

namespace diffscope::sd {

class WeightStore {
 public:
  using Progress = std::function<void(uint64_t bytes_done, uint64_t bytes_total)>;

  WeightStore(at::ScalarType compute_type, c10::Device device);

  // Adds a file's tensors; `rename` maps a name in the file to its CompVis
  // name (nullopt: not a model tensor, reported as unused). Two files may not
  // provide the same name.
  void add_file(std::shared_ptr<const SafetensorsFile> file,
                const std::function<std::optional<std::string>(const std::string&)>& rename = {});
  // Forgets every tensor whose name starts with `prefix` (a VAE override
  // replaces the checkpoint's own VAE).
  void drop_prefix(const std::string& prefix);
  void set_progress(Progress progress) { progress_ = std::move(progress); }

  bool has(const std::string& name) const { return sources_.count(name) != 0; }
  // The shape as stored; Error naming the tensor when it is missing.
  std::vector<int64_t> shape(const std::string& name) const;
  // The tensor in the compute type on the device; Error when it is missing,
  // has another shape, is not a float tensor, or was taken before.
  at::Tensor take(const std::string& name, std::vector<int64_t> expected_shape);
  // On the CPU: the tensor as the file stores it (a view of the mapped file,
  // checked, its pages handed back), for tables read a few rows at a time
  // (token embeddings); elsewhere the same as take().
  at::Tensor take_stored(const std::string& name, std::vector<int64_t> expected_shape);
  // Lets tensors under `prefix` be taken again (a part built, checked and
  // freed at load time, then rebuilt when first needed).
  void allow_retake(const std::string& prefix);
  // The same in float32 on the CPU (schedule buffers).
  at::Tensor take_float_cpu(const std::string& name, std::vector<int64_t> expected_shape);
  // Marks a known tensor that no network needs (EMA counters, position ids).
  void skip(const std::string& name);

  // Tensors taken from now on under one of `prefixes` stay reachable by name
  // (the U-Net and text encoders, which LoRAs change in place); the rest is
  // held only by the networks, so parts freed after loading are freed.
  void keep_taken(std::vector<std::string> prefixes) { kept_prefixes_ = std::move(prefixes); }
  // A kept tensor: the very storage its network computes with. Error when it
  // was not kept.
  at::Tensor taken(const std::string& name) const;
  const std::map<std::string, at::Tensor>& kept() const { return kept_; }
  // A layer that stores a kept tensor in another layout (channels-last) hands
  // the one it uses back.
  void replace_taken(const std::string& name, const at::Tensor& tensor);
  // Writes into kept tensors, in place, the values loading gave them, read
  // again from their files through fresh mappings (the loaded mapping's
  // pages are private and may hold merged values). Bit-identical to loading.
  void restore_taken(const std::vector<std::string>& names);

  // Names of the store that were neither taken nor skipped.
  std::vector<std::string> unused() const;
  std::vector<std::string> names_with_prefix(const std::string& prefix) const;
  size_t taken_count() const { return taken_.size(); }
  size_t skipped_count() const { return skipped_.size(); }
  at::ScalarType compute_type() const { return compute_type_; }
  // Tensors taken from now on come in `type` (a part that computes in its own).
  void set_compute_type(at::ScalarType type) { compute_type_ = type; }
  const c10::Device& device() const { return device_; }

 private:
  struct Source {
    std::shared_ptr<const SafetensorsFile> file;
    std::string name_in_file;
  };
  const Source& source(const std::string& name) const;
  at::Tensor fetch(const std::string& name, const std::vector<int64_t>& expected_shape);

  at::ScalarType compute_type_;
  c10::Device device_;
  std::map<std::string, Source> sources_;
  std::set<std::string> taken_, skipped_;
  std::vector<std::string> not_model_;  // file tensors `rename` refused
  uint64_t bytes_total_ = 0, bytes_done_ = 0;
  Progress progress_;
  std::vector<std::string> kept_prefixes_;
  std::map<std::string, at::Tensor> kept_;
};

// "[320, 4, 3, 3]"
std::string shape_text(const std::vector<int64_t>& shape);

}  // namespace diffscope::sd
