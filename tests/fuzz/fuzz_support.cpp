#include "tests/fuzz/fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <typeinfo>
#include <vector>

#include "core/common/errors.h"

namespace fs = std::filesystem;

namespace diffscope::fuzz {
namespace {

struct Scratch {
  fs::path dir;
  Scratch() {
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    dir = base / ("diffscope-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

}  // namespace

const fs::path& scratch_dir() {
  static Scratch scratch;
  return scratch.dir;
}

fs::path write_input(const std::string& name, std::string_view data) {
  const fs::path path = scratch_dir() / name;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

void expect_clean(const std::function<void()>& read) {
  try {
    read();
  } catch (const Error&) {
    // The reader refused the input with a message: what it should do.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: a reader let a %s escape instead of diffscope::Error: %s\n", typeid(e).name(),
                 e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: a reader threw something that is not an exception\n");
    std::abort();
  }
}

std::vector<std::string_view> split_parts(std::string_view data, size_t parts) {
  static constexpr std::string_view kSeparator = "\n=====\n";
  std::vector<std::string_view> pieces;
  while (pieces.size() + 1 < parts) {
    const size_t at = data.find(kSeparator);
    if (at == std::string_view::npos) break;
    pieces.push_back(data.substr(0, at));
    data.remove_prefix(at + kSeparator.size());
  }
  pieces.push_back(data);
  while (pieces.size() < parts) pieces.emplace_back();
  return pieces;
}

}  // namespace diffscope::fuzz
