// The cgroup reader on hand-made /proc and /sys trees (v1, v2, containers,
// ancestors, hostile contents), and the memory pre-flight under a real cgroup
// limit: diffscope-cli on a real-size SD 1.5 checkpoint in a group capped
// below what the run needs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/common/cgroup_memory.h"
#include "core/common/system_memory.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

namespace diffscope {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t MB = uint64_t(1) << 20;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// A fake system: root()/proc holds `cgroup` and `mountinfo`; mount points
// live under root() too.
class FakeSystem {
 public:
  void proc(const std::string& cgroup, const std::string& mountinfo) {
    write(dir_ / "proc" / "cgroup", cgroup);
    write(dir_ / "proc" / "mountinfo", mountinfo);
  }
  void v1_level(const std::string& dir, uint64_t limit, uint64_t usage, uint64_t inactive) {
    const fs::path level = dir_.path() / fs::path(dir).relative_path();
    write(level / "memory.limit_in_bytes", std::to_string(limit) + "\n");
    write(level / "memory.usage_in_bytes", std::to_string(usage) + "\n");
    write(level / "memory.stat", "cache 0\ninactive_file 1\ntotal_inactive_file " + std::to_string(inactive) + "\n");
  }
  void v2_level(const std::string& dir, const std::string& max, uint64_t current, uint64_t inactive) {
    const fs::path level = dir_.path() / fs::path(dir).relative_path();
    write(level / "memory.max", max + "\n");
    write(level / "memory.current", std::to_string(current) + "\n");
    write(level / "memory.stat", "anon 5\nfile 9\ninactive_file " + std::to_string(inactive) + "\n");
  }
  void file(const std::string& path, const std::string& text) {
    write(dir_.path() / fs::path(path).relative_path(), text);
  }
  std::optional<uint64_t> headroom() const {
    return cgroup_memory_headroom({(dir_ / "proc").string(), dir_.path().string()});
  }

 private:
  support::TempDir dir_;
};

const char* kV1Mounts =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime master:7 - cgroup cgroup rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
const char* kV2Mounts = "26 1 0:23 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
constexpr uint64_t kNoLimitV1 = 9223372036854771712ull;

TEST(CgroupMemory, V1LimitLessUsageNotCountingInactiveFileCache) {
  FakeSystem system;
  system.proc("4:memory:/job/step\n3:cpu,cpuacct:/\n0::/\n", kV1Mounts);
  system.v1_level("/sys/fs/cgroup/memory/job/step", 1024 * MB, 600 * MB, 100 * MB);
  system.v1_level("/sys/fs/cgroup/memory/job", kNoLimitV1, 700 * MB, 0);
  system.v1_level("/sys/fs/cgroup/memory", kNoLimitV1, 9000 * MB, 0);
  EXPECT_EQ(system.headroom(), 524 * MB);
}

TEST(CgroupMemory, AnAncestorsTighterLimitWins) {
  FakeSystem system;
  system.proc("4:memory:/job/step\n", kV1Mounts);
  system.v1_level("/sys/fs/cgroup/memory/job/step", 1024 * MB, 100 * MB, 0);
  system.v1_level("/sys/fs/cgroup/memory/job", 700 * MB, 650 * MB, 0);
  EXPECT_EQ(system.headroom(), 50 * MB);
}

TEST(CgroupMemory, V2MaxOnAParentSliceCounts) {
  FakeSystem system;
  system.proc("0::/user.slice/app.scope\n", kV2Mounts);
  system.v2_level("/sys/fs/cgroup/user.slice/app.scope", "max", 300 * MB, 0);
  system.v2_level("/sys/fs/cgroup/user.slice", std::to_string(2048 * MB), 1600 * MB, 64 * MB);
  EXPECT_EQ(system.headroom(), 512 * MB);
}

TEST(CgroupMemory, AContainerSeesItsOwnGroupAsTheMount) {
  // Docker without a cgroup namespace: the mount shows /docker/ID as its root.
  FakeSystem system;
  system.proc("0::/docker/abc\n",
              "1500 1400 0:23 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n");
  system.v2_level("/sys/fs/cgroup", std::to_string(4096 * MB), 1024 * MB, 0);
  EXPECT_EQ(system.headroom(), 3072 * MB);
  // With a namespace, /proc/self/cgroup says "/" and the mount root is "/".
  FakeSystem namespaced;
  namespaced.proc("0::/\n", kV2Mounts);
  namespaced.v2_level("/sys/fs/cgroup", std::to_string(4096 * MB), 1024 * MB, 0);
  EXPECT_EQ(namespaced.headroom(), 3072 * MB);
}

TEST(CgroupMemory, AMountPointWithASpaceIsUnescaped) {
  FakeSystem system;
  system.proc("0::/a\n", "26 1 0:23 / /my\\040cgroups rw - cgroup2 cgroup2 rw\n");
  system.v2_level("/my cgroups/a", std::to_string(256 * MB), 56 * MB, 0);
  EXPECT_EQ(system.headroom(), 200 * MB);
}

TEST(CgroupMemory, UsageOverTheLimitLeavesNothing) {
  FakeSystem system;
  system.proc("0::/a\n", kV2Mounts);
  system.v2_level("/sys/fs/cgroup/a", std::to_string(256 * MB), 300 * MB, 10 * MB);
  EXPECT_EQ(system.headroom(), 0u);
}

TEST(CgroupMemory, NoLimitOrNothingReadableSaysNothing) {
  FakeSystem unlimited;
  unlimited.proc("4:memory:/a\n", kV1Mounts);
  unlimited.v1_level("/sys/fs/cgroup/memory/a", kNoLimitV1, 600 * MB, 0);
  EXPECT_FALSE(unlimited.headroom().has_value());

  FakeSystem v2_max;
  v2_max.proc("0::/a\n", kV2Mounts);
  v2_max.v2_level("/sys/fs/cgroup/a", "max", 1, 0);
  EXPECT_FALSE(v2_max.headroom().has_value());

  FakeSystem no_mount;
  no_mount.proc("4:memory:/a\n", "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n");
  EXPECT_FALSE(no_mount.headroom().has_value());

  EXPECT_FALSE(cgroup_memory_headroom({"/nonexistent/proc", ""}).has_value());
}

TEST(CgroupMemory, HostileFilesAreIgnored) {
  FakeSystem system;
  // A group path climbing out of its mount is read at the mount itself.
  system.proc("garbage\n::\n4:memory\n9:memory:/a/../../..\n",
              "short line\n - \n1 2 3 - x\n35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  system.file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "12abc\n");
  EXPECT_FALSE(system.headroom().has_value());
  system.file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "1048576000\n");
  system.file("/sys/fs/cgroup/memory/memory.usage_in_bytes", "-5\n");
  system.file("/sys/fs/cgroup/memory/memory.stat", "total_inactive_file lots\n");
  EXPECT_EQ(system.headroom(), 1000 * MB);
}

TEST(CgroupMemory, AvailableMemoryIsTheTighterOfTheMachinesAndTheGroups) {
  EXPECT_EQ(tighter_memory_bound(8000 * MB, 3000 * MB), 3000 * MB);
  EXPECT_EQ(tighter_memory_bound(2000 * MB, 3000 * MB), 2000 * MB);
  EXPECT_EQ(tighter_memory_bound(std::nullopt, 3000 * MB), 3000 * MB);
  EXPECT_EQ(tighter_memory_bound(8000 * MB, std::nullopt), 8000 * MB);
  EXPECT_FALSE(tighter_memory_bound(std::nullopt, std::nullopt).has_value());
}

TEST(CgroupMemory, AvailableMemoryOnThisMachineIsNeverMoreThanTheMachinesOrTheGroups) {
  // The readings are moments apart and other processes allocate and free
  // between them (a CI run missed by 0.3 MB): bound by the larger of a
  // reading before and after, with slack for what moves in between.
  constexpr uint64_t drift = 256 * MB;
  const auto machine_before = machine_available_bytes();
  const auto group_before = cgroup_memory_headroom();
  const auto available = available_memory_bytes();
  const auto machine_after = machine_available_bytes();
  const auto group_after = cgroup_memory_headroom();
  ASSERT_TRUE(available && machine_before && machine_after);
  EXPECT_LE(*available, std::max(*machine_before, *machine_after) + drift);
  if (group_before && group_after) {
    EXPECT_LE(*available, std::max(*group_before, *group_after) + drift);
  }
}

// A memory cgroup this test creates, capped at `limit`, for one child process:
// in v1's memory hierarchy (beside this process's own group), or at v2's root
// where that delegates the memory controller. ok() is false, with why(), where
// this process may not make one (not root, no memory controller).
class CappedGroup {
 public:
  explicit CappedGroup(uint64_t limit) {
    if (geteuid() != 0) {
      why_ = "creating a cgroup needs root";
      return;
    }
    const std::string name = "diffscope-test-" + std::to_string(getpid());
    std::error_code error;
    if (fs::is_directory("/sys/fs/cgroup/memory", error)) {
      fs::path parent = "/sys/fs/cgroup/memory";
      std::ifstream own("/proc/self/cgroup");
      for (std::string line; std::getline(own, line);) {
        const auto at = line.find(":memory:");
        if (at != std::string::npos && fs::is_directory(parent / line.substr(at + 8).substr(1), error)) {
          parent /= line.substr(at + 8).substr(1);
        }
      }
      make(parent / name, "memory.limit_in_bytes", limit);
    } else {
      std::ifstream controllers("/sys/fs/cgroup/cgroup.subtree_control");
      std::string list((std::istreambuf_iterator<char>(controllers)), {});
      if (list.find("memory") == std::string::npos) {
        why_ = "no memory cgroup controller here";
        return;
      }
      make(fs::path("/sys/fs/cgroup") / name, "memory.max", limit);
    }
  }
  ~CappedGroup() {
    std::error_code error;
    if (!dir_.empty()) fs::remove(dir_, error);  // rmdir: the child has ended
  }
  bool ok() const { return why_.empty(); }
  const std::string& why() const { return why_; }
  // A shell command that moves itself into the group, then runs `command`.
  std::string inside(const std::string& command) const {
    return "sh -c 'echo $$ > " + (dir_ / "cgroup.procs").string() + " && exec " + command + "'";
  }

 private:
  void make(const fs::path& dir, const char* limit_file, uint64_t limit) {
    std::error_code error;
    if (!fs::create_directory(dir, error)) {
      why_ = "cannot create " + dir.string() + ": " + error.message();
      return;
    }
    dir_ = dir;
    std::ofstream(dir / limit_file) << limit;
    std::ifstream check(dir / limit_file);
    uint64_t set = 0;
    if (!(check >> set) || set > limit || set < limit / 2) why_ = "the kernel did not take the limit";
  }
  fs::path dir_;
  std::string why_;
};

class MemoryPreflight : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "a sanitizer's shadow memory and quarantine change the process's memory by far more than "
                    "the margins measured here";
#endif
    if (support::clip_vocabulary().empty()) GTEST_SKIP() << "no CLIP vocabulary (../shared)";
    std::string why;
    checkpoint_ = support::random_checkpoint("make_random_sd15.py", "sd15_random_f16.safetensors",
                                             kCheckpointBytes, &why);
    if (checkpoint_.empty()) GTEST_SKIP() << why;
  }
  // In bfloat16 whatever the CPU: the margins below were measured so. A CPU
  // without bf16 instructions would otherwise compute in float32, whose 4 GB
  // of weights the 4 GB group cannot hold (the estimate then rightly refuses).
  std::string generate(int size, const fs::path& output) const {
    return support::cli_path() + " generate -m " + checkpoint_.string() + " --tokenizer " +
           support::clip_vocabulary().string() + " --precision bfloat16 -p \"a red apple\" --steps 1 -W " +
           std::to_string(size) +
           " -H " + std::to_string(size) + " -o " + output.string();
  }
  static constexpr uintmax_t kCheckpointBytes = 2132675266;  // ../shared/fixtures/sd15-random/README.md
  fs::path checkpoint_;
  support::TempDir out_;
};

// SD 1.5 at 512² needs about 2.6 GB (2.0 GB of 16-bit weights). Capped at
// 1.5 GB, the version before the cgroup was read saw the machine's 23 GB free,
// started loading and was killed by the kernel at 70 % (exit 137); now it
// refuses before reading the file, with the numbers.
TEST_F(MemoryPreflight, RefusesWhatTheCgroupCannotHoldInsteadOfBeingKilled) {
  CappedGroup group(1536 * MB);
  if (!group.ok()) GTEST_SKIP() << group.why();
  std::string output;
  const int status = support::run_command(group.inside(generate(512, out_ / "refused.png")), &output);
  EXPECT_EQ(status, 1) << "137 or -1: killed for memory\n" << output;
  EXPECT_NE(output.find("needs about"), std::string::npos) << output;
  EXPECT_NE(output.find("is free"), std::string::npos) << output;
  EXPECT_EQ(output.find("loading"), std::string::npos) << "the checkpoint was read: " << output;
  EXPECT_FALSE(fs::exists(out_ / "refused.png"));
}

// The same checkpoint at 64² fits in 4 GB (peak resident 2.4 GB measured):
// the group's own accounting leaves room for a run the estimate allows.
TEST_F(MemoryPreflight, RunsWhatTheCgroupCanHold) {
  CappedGroup group(4096 * MB);
  if (!group.ok()) GTEST_SKIP() << group.why();
  std::string output;
  const int status = support::run_command(group.inside(generate(64, out_ / "fits.png")), &output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_TRUE(fs::exists(out_ / "fits.png")) << output;
}

}  // namespace
}  // namespace diffscope
