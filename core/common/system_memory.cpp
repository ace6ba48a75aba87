#include "core/common/system_memory.h"

#include <algorithm>

#include <cstdio>
#include <fstream>

#include "core/common/cgroup_memory.h"

namespace diffscope {
namespace {

uint64_t status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
  }
  return 0;
}

}  // namespace

std::optional<uint64_t> machine_available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kib) == 1) return uint64_t(kib) * 1024;
  }
  return std::nullopt;
}

std::optional<uint64_t> tighter_memory_bound(std::optional<uint64_t> machine,
                                             std::optional<uint64_t> group) {
  if (machine && group) return std::min(*machine, *group);
  return machine ? machine : group;
}

std::optional<uint64_t> available_memory_bytes() {
  return tighter_memory_bound(machine_available_bytes(), cgroup_memory_headroom());
}

uint64_t resident_bytes() { return status_kib("VmRSS"); }
uint64_t peak_resident_bytes() { return status_kib("VmHWM"); }

std::string format_bytes(uint64_t bytes) {
  char text[32];
  if (bytes >= (uint64_t(1) << 30)) {
    std::snprintf(text, sizeof text, "%.1f GB", double(bytes) / double(uint64_t(1) << 30));
  } else {
    std::snprintf(text, sizeof text, "%.0f MB", double(bytes) / double(1 << 20));
  }
  return text;
}

}  // namespace diffscope
