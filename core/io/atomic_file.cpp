#include "core/io/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "core/common/errors.h"

namespace diffscope {

std::filesystem::path partial_path_for(const std::filesystem::path& destination) {
  static std::atomic<unsigned> counter{0};
  return destination.string() + ".partial-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

void commit_partial(const std::filesystem::path& partial, const std::filesystem::path& destination) {
  std::error_code error;
  std::filesystem::rename(partial, destination, error);
  if (error) {
    std::filesystem::remove(partial, error);
    throw Error(destination.string() + ": cannot replace the file: " + error.message());
  }
}

}  // namespace diffscope
