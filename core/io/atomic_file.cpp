#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/common/errors.h"

namespace fs = std::filesystem;

namespace diffscope {

fs::path partial_path_for(const fs::path& destination) {
  static std::atomic<unsigned> counter{0};
  return destination.string() + ".partial-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

void commit_partial(const fs::path& partial, const fs::path& destination) {
  std::error_code error;
  fs::rename(partial, destination, error);
  if (error) {
    fs::remove(partial, error);
    throw Error(destination.string() + ": cannot replace the file: " + error.message());
  }
}

AtomicFile::AtomicFile(fs::path destination) : destination_(std::move(destination)) {
  const fs::path folder = destination_.has_parent_path() ? destination_.parent_path() : fs::path(".");
  int fd = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  unnamed_ = fd >= 0;
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    named_ = partial_path_for(destination_);  // no O_TMPFILE on this file system
    fd = ::open(named_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  if (fd < 0) throw Error(destination_.string() + ": cannot create the file: " + std::strerror(errno));
  stream_ = fdopen(fd, "wb");
  if (stream_ == nullptr) {
    ::close(fd);
    fail("cannot create the file");
  }
}

AtomicFile::~AtomicFile() {
  if (stream_ != nullptr) std::fclose(stream_);
  if (!named_.empty()) {
    std::error_code ignored;
    fs::remove(named_, ignored);
  }
}

void AtomicFile::fail(const std::string& what) {
  const std::string reason = std::strerror(errno);
  throw Error(destination_.string() + ": " + what + ": " + reason);
}

void AtomicFile::commit() {
  if (std::fflush(stream_) != 0 || std::ferror(stream_) || fsync(fileno(stream_)) != 0) {
    fail("writing failed (the old file, if any, is unchanged)");
  }
  if (unnamed_) {
    // Give the unnamed file a unique name beside the destination, then rename
    // it over the destination (rename replaces; linkat would not).
    const fs::path name = partial_path_for(destination_);
    const std::string self = "/proc/self/fd/" + std::to_string(fileno(stream_));
    if (linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) != 0 &&
        linkat(fileno(stream_), "", AT_FDCWD, name.c_str(), AT_EMPTY_PATH) != 0) {
      fail("cannot name the written file");
    }
    named_ = name;
  }
  const int closed = std::fclose(stream_);
  stream_ = nullptr;
  if (closed != 0) fail("writing failed (the old file, if any, is unchanged)");
  commit_partial(named_, destination_);
  named_.clear();
}

void write_file_atomically(const fs::path& destination, const std::string& text) {
  AtomicFile file(destination);
  if (std::fwrite(text.data(), 1, text.size(), file.stream()) != text.size()) {
    throw Error(destination.string() + ": writing failed: " + std::strerror(errno));
  }
  file.commit();
}

}  // namespace diffscope
