#include "core/common/cgroup_memory.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace diffscope {
namespace {

namespace fs = std::filesystem;

// A v1 limit this large means "no limit" (the kernel writes LONG_MAX rounded
// down to a page).
constexpr uint64_t kUnlimited = uint64_t(1) << 60;

struct Hierarchy {
  bool v2 = false;
  std::string group;        // the process's path inside the hierarchy
  std::string mount_root;   // the part of the hierarchy the mount shows
  std::string mount_point;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  return parts;
}

// mountinfo writes a space in a path as \040 (and tab, newline, backslash likewise).
std::string unescape_octal(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(text[i + 2])) && std::isdigit(static_cast<unsigned char>(text[i + 3]))) {
      out += char((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The memory controller's entry in /proc/self/cgroup: "N:memory:/path" (v1)
// wins over "0::/path" (v2), as the kernel lets only one of them hold it.
std::optional<Hierarchy> memory_group(const std::string& proc_self) {
  std::ifstream file(proc_self + "/cgroup");
  std::optional<Hierarchy> v1, v2;
  for (std::string line; std::getline(file, line);) {
    const size_t first = line.find(':');
    const size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && controllers.empty()) {
      v2 = Hierarchy{true, path, "", ""};
    } else {
      const auto names = split(controllers, ',');
      if (std::find(names.begin(), names.end(), "memory") != names.end()) v1 = Hierarchy{false, path, "", ""};
    }
  }
  return v1 ? v1 : v2;
}

// Fills in where `hierarchy` is mounted, from /proc/self/mountinfo:
// "ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS".
bool find_mount(const std::string& proc_self, Hierarchy& hierarchy) {
  std::ifstream file(proc_self + "/mountinfo");
  for (std::string line; std::getline(file, line);) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream before(line.substr(0, dash)), after(line.substr(dash + 3));
    std::string id, parent, device, root, mount_point, fstype, source, super_options;
    if (!(before >> id >> parent >> device >> root >> mount_point) || !(after >> fstype >> source >> super_options)) {
      continue;
    }
    const auto options = split(super_options, ',');
    const bool match = hierarchy.v2 ? fstype == "cgroup2"
                                    : fstype == "cgroup" &&
                                          std::find(options.begin(), options.end(), "memory") != options.end();
    if (!match) continue;
    hierarchy.mount_root = unescape_octal(root);
    hierarchy.mount_point = unescape_octal(mount_point);
    return true;
  }
  return false;
}

std::optional<uint64_t> read_number(const fs::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text) || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;  // "max": none
  try {
    size_t used = 0;
    const uint64_t value = std::stoull(text, &used);
    if (used != text.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<uint64_t> stat_value(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string name;
  uint64_t value = 0;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return std::nullopt;
}

// Headroom at one level of the hierarchy; nullopt where it sets no limit.
std::optional<uint64_t> level_headroom(const fs::path& dir, bool v2) {
  const auto limit = read_number(dir / (v2 ? "memory.max" : "memory.limit_in_bytes"));
  if (!limit || *limit >= kUnlimited) return std::nullopt;
  const uint64_t usage = read_number(dir / (v2 ? "memory.current" : "memory.usage_in_bytes")).value_or(0);
  // File pages nobody is using are dropped before the kernel kills anyone;
  // v1 counts a group's children under "total_".
  auto inactive = stat_value(dir / "memory.stat", v2 ? "inactive_file" : "total_inactive_file");
  if (!inactive) inactive = stat_value(dir / "memory.stat", "inactive_file");
  const uint64_t in_use = usage - std::min(usage, inactive.value_or(0));
  return *limit > in_use ? *limit - in_use : 0;
}

// Normal form without a trailing separator, so that parent_path() climbs.
fs::path tidy(const std::string& path) {
  std::string text = fs::path(path).lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

}  // namespace

std::optional<uint64_t> cgroup_memory_headroom(const CgroupPaths& paths) {
  auto hierarchy = memory_group(paths.proc_self);
  if (!hierarchy || !find_mount(paths.proc_self, *hierarchy)) return std::nullopt;
  // The group's path is relative to the hierarchy's root; the mount may show
  // only a part of it (a container sees its own group as "/").
  std::string relative = hierarchy->group;
  const std::string& mount_root = hierarchy->mount_root;
  if (mount_root != "/") {
    relative = relative.rfind(mount_root, 0) == 0 ? relative.substr(mount_root.size()) : "";
  }
  const fs::path top = tidy(paths.root + hierarchy->mount_point);
  fs::path dir = tidy((top / fs::path(relative).relative_path()).string());
  std::error_code error;
  const std::string below = dir.lexically_relative(top).string();
  if (below.empty() || below.rfind("..", 0) == 0 || !fs::is_directory(dir, error)) dir = top;

  std::optional<uint64_t> headroom;
  for (fs::path level = dir;; level = level.parent_path()) {
    if (const auto here = level_headroom(level, hierarchy->v2)) headroom = std::min(headroom.value_or(*here), *here);
    if (level == top || level == level.parent_path()) break;
  }
  return headroom;
}

}  // namespace diffscope
