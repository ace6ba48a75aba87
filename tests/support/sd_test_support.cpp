#include "tests/support/sd_test_support.h"

#include "tests/support/test_support.h"

namespace diffscope::support {

bool make_tiny_sd(const std::filesystem::path& out, const std::string& args, std::string* why) {
  if (shared_dir().empty()) {
    *why = "../shared (the key tables of tools/make_random_sd15.py) is not here";
    return false;
  }
  const std::string command = "DIFFSCOPE_SHARED_DIR='" + shared_dir().string() + "' /usr/bin/python3 '" +
                              std::string(DIFFSCOPE_SOURCE_DIR) + "/tests/tools/make_tiny_sd.py' '" + out.string() +
                              "' " + args;
  std::string output;
  if (run_command(command, &output) != 0) {
    *why = "make_tiny_sd.py failed (python3-torch and python3-numpy installed?): " + output;
    return false;
  }
  return true;
}

}  // namespace diffscope::support
