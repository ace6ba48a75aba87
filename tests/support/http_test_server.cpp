#include "tests/support/http_test_server.h"

#include <signal.h>

#include "tests/support/test_support.h"

namespace diffscope::support {

HttpTestServer::HttpTestServer(const std::filesystem::path& folder) {
  const std::string command = "exec /usr/bin/python3 '" + std::string(DIFFSCOPE_SOURCE_DIR) +
                              "/tests/tools/http_test_server.py' '" + folder.string() + "'";
  pipe_ = popen(command.c_str(), "r");
  char line[64] = {};
  int port = 0;
  if (pipe_ == nullptr || std::fgets(line, sizeof line, pipe_) == nullptr ||
      std::sscanf(line, "%d %d", &port, &pid_) != 2) {
    return;
  }
  base_ = "http://127.0.0.1:" + std::to_string(port);
}

HttpTestServer::~HttpTestServer() {
  if (pid_ > 0) kill(pid_, SIGTERM);
  if (pipe_ != nullptr) pclose(pipe_);
}

std::string HttpTestServer::range_log() const {
  std::string out;
  run_command("/usr/bin/python3 -c \"import urllib.request; print(urllib.request.urlopen('" + base_ +
                  "/log').read().decode())\"",
              &out);
  return out;
}

}  // namespace diffscope::support
