#include "core/common/blas_kernels.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace diffscope {
namespace {

// The kernel set for this CPU's vector instructions, or nullptr for "leave it".
const char* best_core_type() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "SkylakeX";
  if (__builtin_cpu_supports("avx2")) return "Haswell";
  return nullptr;
}

bool is_generic_core(const char* name) {
  for (const char* generic : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Unknown"}) {
    if (std::strcmp(name, generic) == 0) return true;
  }
  return false;
}

}  // namespace

const char* blas_core_name() {
  using CoreName = char* (*)();
  auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return core_name ? core_name() : "";
}

void ensure_fast_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  const char* core = blas_core_name();
  const char* better = best_core_type();
  if (core[0] == '\0' || better == nullptr || !is_generic_core(core)) return;
  setenv("OPENBLAS_CORETYPE", better, 1);
  // The resolved path, so that the process keeps its own name (ps, top).
  char path[4096];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) return;
  path[length] = '\0';
  execv(path, argv);
  // exec failed (e.g. no /proc): run on with the slower kernels.
}

}  // namespace diffscope
