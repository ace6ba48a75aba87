#include "tests/support/test_support.h"

#include <ATen/CPUGeneratorImpl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "core/common/errors.h"

namespace diffscope::support {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "diffscope-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

TempDir* FreshCacheTest::cache_ = nullptr;

void FreshCacheTest::SetUpTestSuite() {
  cache_ = new TempDir;
  setenv("DIFFSCOPE_CACHE_DIR", cache_->path().c_str(), 1);
}

void FreshCacheTest::TearDownTestSuite() {
  unsetenv("DIFFSCOPE_CACHE_DIR");
  delete cache_;
  cache_ = nullptr;
}

at::Tensor GaussianDenoiser::denoise(const at::Tensor& x, double sigma) {
  ++calls;
  const double s2 = std_ * std_;
  return (x - mean_) * (s2 / (s2 + sigma * sigma)) + mean_;
}

at::Tensor GaussianDenoiser::exact(const at::Tensor& x_a, double sigma_a, double sigma) const {
  const double s2 = std_ * std_;
  return (x_a - mean_) * std::sqrt((s2 + sigma * sigma) / (s2 + sigma_a * sigma_a)) + mean_;
}

at::Tensor random_images(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::rand({n, c, h, w}, generator) * 2.0 - 1.0;
}

at::Tensor rms_to_nearest(const at::Tensor& samples, const at::Tensor& images) {
  const at::Tensor s = samples.reshape({samples.size(0), 1, -1}).to(at::kDouble);
  const at::Tensor i = images.reshape({1, images.size(0), -1}).to(at::kDouble);
  return (s - i).pow(2).mean(2).sqrt().amin(1);
}

std::string cli_path() {
  const char* path = std::getenv("DIFFSCOPE_CLI");
  return path ? path : "diffscope-cli";
}

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

int run_command(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  std::string text;
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  const int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::filesystem::path source_dir() { return DIFFSCOPE_SOURCE_DIR; }

std::filesystem::path shared_dir() {
  const char* set = std::getenv("DIFFSCOPE_SHARED_DIR");
  std::filesystem::path dir = set != nullptr && set[0] != '\0'
                                  ? std::filesystem::path(set)
                                  : std::filesystem::path(DIFFSCOPE_SOURCE_DIR) / ".." / "shared";
  return std::filesystem::is_directory(dir) ? dir : std::filesystem::path();
}

std::filesystem::path clip_vocabulary() {
  const auto dir = shared_dir();
  const auto path = dir / "data" / "clip" / "bpe_simple_vocab_16e6.txt.gz";
  return !dir.empty() && std::filesystem::is_regular_file(path) ? path : std::filesystem::path();
}

}  // namespace diffscope::support
