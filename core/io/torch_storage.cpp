#include "core/io/torch_storage.h"

#include <ATen/ATen.h>

#include <set>

#include "core/common/errors.h"

namespace diffscope {

bool torch_pickle_name_allowed(const std::string& name) {
  static const std::set<std::string> names = {
      "collections.OrderedDict",
      "builtins.set",
      "torch._utils._rebuild_tensor",
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_parameter",
      "torch._utils._rebuild_parameter_with_state",
      "torch._tensor._rebuild_from_type_v2",
      "torch.Tensor",
      "torch.nn.parameter.Parameter",
      "torch.nn.modules.container.ParameterDict",
      "torch.FloatStorage",
      "torch.HalfStorage",
      "torch.BFloat16Storage",
      "torch.DoubleStorage",
      "torch.LongStorage",
      "torch.IntStorage",
  };
  return names.count(name) > 0;
}

std::optional<at::ScalarType> torch_storage_type(const std::string& name) {
  if (name == "torch.FloatStorage") return at::kFloat;
  if (name == "torch.HalfStorage") return at::kHalf;
  if (name == "torch.BFloat16Storage") return at::kBFloat16;
  if (name == "torch.DoubleStorage") return at::kDouble;
  if (name == "torch.LongStorage") return at::kLong;
  if (name == "torch.IntStorage") return at::kInt;
  return std::nullopt;
}

at::Tensor strided_copy(const at::Tensor& storage, int64_t offset, const std::vector<int64_t>& size,
                        const std::vector<int64_t>& stride) {
  if (size.size() != stride.size()) throw Error("a tensor's size and stride differ in length");
  if (offset < 0) throw Error("a tensor at a negative offset in its storage");
  const int64_t available = storage.numel();
  // Element counts and the last element's index, each checked before it can overflow.
  int64_t numel = 1, last = offset;
  for (size_t d = 0; d < size.size(); ++d) {
    if (size[d] < 0 || stride[d] < 0) throw Error("a tensor with a negative size or stride");
    if (size[d] == 0) numel = 0;
    if (numel > 0 && size[d] > available / numel) throw Error("a tensor larger than its storage");
    numel *= size[d];
    if (size[d] > 0 && stride[d] > 0 && size[d] - 1 > (available - last) / stride[d]) {
      throw Error("a tensor that reaches past its storage");
    }
    if (size[d] > 0) last += (size[d] - 1) * stride[d];
  }
  if (numel > 0 && last >= available) throw Error("a tensor that reaches past its storage");
  if (numel == 0) return at::empty(size, storage.options());
  return storage.as_strided(size, stride, offset).clone();
}

}  // namespace diffscope
