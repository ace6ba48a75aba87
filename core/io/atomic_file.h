#pragma once
// Files appear complete or not at all. AtomicFile writes an unnamed file in
// the destination's folder (Linux O_TMPFILE) and gives it the destination's
// name only in commit(): a full disk, an error or a kill at any moment leaves
// the old file as it was and nothing else behind. Where the file system has
// no O_TMPFILE, and for writers that need a path (OpenCV's video writer), a
// uniquely named sibling ("name.partial-PID-N") is renamed over the
// destination instead — removed on failure, but left by a kill.
#include <cstdio>
#include <filesystem>
#include <string>

namespace diffscope {

class AtomicFile {
 public:
  // Error naming the destination when its folder cannot take a file.
  explicit AtomicFile(std::filesystem::path destination);
  ~AtomicFile();  // not committed: the data vanishes
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  FILE* stream() const { return stream_; }
  // Flushes, names the file and renames it over the destination; Error (with
  // the system's reason: "No space left on device", …) leaves the old one.
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what);
  std::filesystem::path destination_;
  std::filesystem::path named_;  // the partial file's name (empty while unnamed)
  FILE* stream_ = nullptr;
  bool unnamed_ = false;
};

std::filesystem::path partial_path_for(const std::filesystem::path& destination);

// Renames the finished partial file onto the destination; on failure removes
// it and throws an Error naming the destination.
void commit_partial(const std::filesystem::path& partial, const std::filesystem::path& destination);

// Writes `text` through an AtomicFile; a failed write (e.g. a full disk)
// leaves the destination as it was and throws an Error.
void write_file_atomically(const std::filesystem::path& destination, const std::string& text);

}  // namespace diffscope
