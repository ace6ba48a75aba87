#include "core/io/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
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

void write_file_atomically(const std::filesystem::path& destination, const std::string& text) {
  const std::filesystem::path partial = partial_path_for(destination);
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      out.close();
      std::error_code ignored;
      std::filesystem::remove(partial, ignored);
      throw Error(destination.string() + ": cannot write the file (disk full or not writable?)");
    }
  }
  commit_partial(partial, destination);
}

}  // namespace diffscope
