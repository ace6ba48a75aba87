#pragma once
// tests/tools/http_test_server.py run for a test: a real HTTP server on
// 127.0.0.1 that serves one folder (with range requests) and misbehaves on
// purpose on other paths (see the script). Stopped when destroyed.
#include <cstdio>
#include <filesystem>
#include <string>

namespace diffscope::support {

class HttpTestServer {
 public:
  explicit HttpTestServer(const std::filesystem::path& folder);
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;
  bool running() const { return !base_.empty(); }
  const std::string& base() const { return base_; }  // "http://127.0.0.1:PORT"
  // The Range headers the server received, as its /log JSON.
  std::string range_log() const;

 private:
  FILE* pipe_ = nullptr;
  int pid_ = 0;
  std::string base_;
};

}  // namespace diffscope::support
