#pragma once
// The memory this process's Linux control group (cgroup) still allows it.
// Containers (Docker, Podman, Flatpak's systemd scopes), systemd slices and
// job schedulers cap a process far below the machine's RAM; going over the cap
// gets it killed by the kernel exactly like running out of RAM, while
// /proc/meminfo still reports the whole machine as free.
#include <cstdint>
#include <optional>
#include <string>

namespace diffscope {

// Where the cgroup files are read from. The defaults are the real ones; tests
// point them at a directory tree of their own.
struct CgroupPaths {
  std::string proc_self = "/proc/self";  // holds `cgroup` and `mountinfo`
  std::string root;                      // prefixed to every mount point
};

// The smallest headroom (limit − usage not counting inactive file cache) over
// the process's memory cgroup and its ancestors up to the mount, for cgroup v1
// (memory.limit_in_bytes) and v2 (memory.max); nullopt where no level sets a
// limit or the files cannot be read.
std::optional<uint64_t> cgroup_memory_headroom(const CgroupPaths& paths = {});

}  // namespace diffscope
