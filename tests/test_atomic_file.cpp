// Saving never loses what was there: a save killed midway (a child process,
// SIGKILL) leaves the old file and nothing else; a full disk (a 256 KB tmpfs
// mounted for the test) and a read-only file system give an Error naming the
// reason and leave the old file — for PNGs, safetensors files and text.
#include "core/io/atomic_file.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/common/errors.h"
#include "core/io/png_image.h"
#include "core/io/safetensors.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The Error's message, or "" when `write` succeeded.
template <typename Write>
std::string error_of(Write write) {
  try {
    write();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(AtomicFile, CommitReplacesAndAnUncommittedFileLeavesNothing) {
  support::TempDir dir;
  const fs::path target = dir / "notes.txt";
  write_file_atomically(target, "old");
  {
    AtomicFile file(target);
    std::fputs("half-written", file.stream());
  }  // dropped without commit
  EXPECT_EQ(read_all(target), "old");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"notes.txt"});
  write_file_atomically(target, "new");
  EXPECT_EQ(read_all(target), "new");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"notes.txt"});
  EXPECT_NE(error_of([&] { AtomicFile file(dir / "no-such-folder" / "x"); }).find("no-such-folder"), std::string::npos);
}

TEST(AtomicFile, ASaveKilledMidwayLeavesTheOldFileAndNothingElse) {
  support::TempDir dir;
  const fs::path target = dir / "model.safetensors";
  write_safetensors(target, {{"w", at::ones({4})}});
  const std::string before = read_all(target);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    // Writes forever; says so once the first megabyte is on its way to disk.
    AtomicFile file(target);
    const std::string block(1 << 20, 'x');
    std::fwrite(block.data(), 1, block.size(), file.stream());
    std::fflush(file.stream());
    (void)!write(ready[1], "1", 1);
    for (;;) std::fwrite(block.data(), 1, block.size(), file.stream());
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(read_all(target), before);
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"model.safetensors"});
  EXPECT_NO_THROW(SafetensorsFile::open(target));
}

class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = dir_ / "small-disk";
    fs::create_directories(mount_point_);
    if (mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=256k") != 0) {
      GTEST_SKIP() << "cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN): " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) umount(mount_point_.c_str());
  }
  support::TempDir dir_;
  fs::path mount_point_;
  bool mounted_ = false;
};

TEST_F(FullDisk, AFullDiskGivesTheReasonAndKeepsTheOldFiles) {
  const fs::path png = mount_point_ / "image.png", weights = mount_point_ / "weights.safetensors",
                 text = mount_point_ / "notes.txt";
  write_png(png, at::zeros({8, 8, 3}, at::kByte), {{"parameters", "old"}});
  write_safetensors(weights, {{"w", at::ones({4})}});
  write_file_atomically(text, "old");
  const std::string png_before = read_all(png), weights_before = read_all(weights);

  // Noise does not compress: 512×512 RGB is ~786 KB of PNG; the tensor 1 MB.
  const at::Tensor noise = at::randint(0, 256, {512, 512, 3}, at::kByte);
  std::string message = error_of([&] { write_png(png, noise, {{"parameters", "new"}}); });
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  message = error_of([&] { write_safetensors(weights, {{"w", at::ones({1 << 18})}}); });
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  message = error_of([&] { write_file_atomically(text, std::string(1 << 20, 'x')); });
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;

  EXPECT_EQ(read_all(png), png_before);
  EXPECT_EQ(read_png_text(png).at("parameters"), "old");
  EXPECT_EQ(read_all(weights), weights_before);
  EXPECT_EQ(read_all(text), "old");
  EXPECT_EQ(names_in(mount_point_), (std::vector<std::string>{"image.png", "notes.txt", "weights.safetensors"}));
}

TEST_F(FullDisk, AReadOnlyFileSystemGivesTheReasonAndKeepsTheOldFile) {
  const fs::path text = mount_point_ / "notes.txt";
  write_file_atomically(text, "old");
  ASSERT_EQ(mount("tmpfs", mount_point_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=256k"), 0)
      << std::strerror(errno);
  const std::string message = error_of([&] { write_png(mount_point_ / "new.png", at::zeros({8, 8, 3}, at::kByte)); });
  EXPECT_NE(message.find("Read-only file system"), std::string::npos) << message;
  EXPECT_NE(error_of([&] { write_file_atomically(text, "new"); }).find("Read-only file system"), std::string::npos);
  EXPECT_EQ(read_all(text), "old");
}
