#pragma once
// What PyTorch's names in a torch.save pickle stand for, for the reader in
// torch_pickle.h: the names a file of weights may use (and nothing that runs
// code), its storages' element types, and a tensor rebuilt as a strided
// view of its storage with every element checked to lie inside it.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace diffscope {

// "module.name" of a global a torch.save file may ask for: the tensor and
// parameter rebuilders, the storage types, OrderedDict, set, ParameterDict.
bool torch_pickle_name_allowed(const std::string& name);

// torch.FloatStorage → float32, …; nullopt for any other name.
std::optional<at::ScalarType> torch_storage_type(const std::string& name);

// A copy of storage.as_strided(size, stride, offset); Error when a size or
// stride is negative, the tensor has more elements than the storage, or an
// element would lie outside it.
at::Tensor strided_copy(const at::Tensor& storage, int64_t offset, const std::vector<int64_t>& size,
                        const std::vector<int64_t>& stride);

}  // namespace diffscope
