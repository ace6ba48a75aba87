#pragma once
// The device a request asks for, parsed from its name at the edge ("auto",
// "cpu", "cuda", "cuda:N"); resolve_device (runtime.h) turns it into a
// c10::Device on this machine.
#include <string>

namespace diffscope {

struct DeviceChoice {
  enum class Kind { Auto, Cpu, Cuda };
  Kind kind = Kind::Auto;
  int index = -1;  // cuda:N; -1: the first GPU
  bool operator==(const DeviceChoice&) const = default;
};

// Error listing the valid names otherwise.
DeviceChoice parse_device(const std::string& name);
std::string device_choice_name(const DeviceChoice& choice);

}  // namespace diffscope
