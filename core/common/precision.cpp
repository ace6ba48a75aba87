#include "core/common/precision.h"

#include "core/common/errors.h"
#include "core/common/text.h"

namespace diffscope {

const std::vector<std::string>& precision_names() {
  static const std::vector<std::string> names = {"auto", "float32", "bfloat16", "float16"};
  return names;
}

Precision parse_precision(const std::string& name) {
  const auto& names = precision_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (name == names[i]) return static_cast<Precision>(i);
  }
  throw Error("unknown precision '" + name + "' (use " + join(names, ", ") + ")");
}

std::string precision_name(Precision precision) { return precision_names().at(static_cast<size_t>(precision)); }

}  // namespace diffscope
