#include "core/io/user_dirs.h"

#include <cstdlib>

#include "core/common/errors.h"

namespace diffscope {

std::filesystem::path user_cache_dir() {
  std::filesystem::path dir;
  if (const char* own = std::getenv("DIFFSCOPE_CACHE_DIR"); own && *own) {
    dir = own;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    dir = std::filesystem::path(xdg) / "diffscope";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = std::filesystem::path(home) / ".cache" / "diffscope";
  } else {
    throw Error("cannot find a cache directory: neither XDG_CACHE_HOME nor HOME is set");
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(dir.string() + ": cannot create the cache directory: " + error.message());
  return dir;
}

std::filesystem::path user_data_dir() {
  if (const char* own = std::getenv("DIFFSCOPE_DATA_DIR"); own && *own) return own;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "diffscope";
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".local" / "share" / "diffscope";
  }
  return {};
}

}  // namespace diffscope
