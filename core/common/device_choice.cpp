#include "core/common/device_choice.h"

#include <charconv>

#include "core/common/errors.h"

namespace diffscope {

DeviceChoice parse_device(const std::string& name) {
  DeviceChoice choice;
  if (name == "auto" || name.empty()) return choice;
  if (name == "cpu") {
    choice.kind = DeviceChoice::Kind::Cpu;
    return choice;
  }
  if (name == "cuda") {
    choice.kind = DeviceChoice::Kind::Cuda;
    return choice;
  }
  if (name.rfind("cuda:", 0) == 0) {
    const char* first = name.data() + 5;
    const char* last = name.data() + name.size();
    int index = -1;
    const auto [end, error] = std::from_chars(first, last, index);
    if (error == std::errc() && end == last && first != last && index >= 0) {
      choice.kind = DeviceChoice::Kind::Cuda;
      choice.index = index;
      return choice;
    }
  }
  throw Error("unknown device '" + name + "' (use auto, cpu, cuda or cuda:N)");
}

std::string device_choice_name(const DeviceChoice& choice) {
  switch (choice.kind) {
    case DeviceChoice::Kind::Auto: return "auto";
    case DeviceChoice::Kind::Cpu: return "cpu";
    case DeviceChoice::Kind::Cuda: return choice.index < 0 ? "cuda" : "cuda:" + std::to_string(choice.index);
  }
  return "auto";
}

}  // namespace diffscope
