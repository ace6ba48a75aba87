#pragma once
// Helpers shared by the tests: temporary folders, closed-form denoisers and
// small synthetic image sets.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "core/sampling/denoiser.h"

namespace diffscope::support {

// A fresh folder under the system temp dir, removed with its contents at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A fixture whose tests share one fresh cache folder ($DIFFSCOPE_CACHE_DIR
// for the suite): what the runs build goes there, never into the user's.
class FreshCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 private:
  static TempDir* cache_;
};

// Data x_0 ~ N(μ, s²I): D(x, σ) = μ + s²/(s²+σ²)·(x − μ), exactly.
class GaussianDenoiser : public Denoiser {
 public:
  GaussianDenoiser(double mean, double std) : mean_(mean), std_(std) {}
  at::Tensor denoise(const at::Tensor& x, double sigma) override;
  double timestep(double sigma) const override { return sigma; }
  // The probability-flow ODE's exact solution from (x_a, σ_a) to σ.
  at::Tensor exact(const at::Tensor& x_a, double sigma_a, double sigma) const;
  int calls = 0;

 private:
  double mean_, std_;
};

// n random images (n, c, h, w) in [−1, 1] from a fixed seed.
at::Tensor random_images(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed = 1234);

// Per-item RMS distance from each sample (B, …) to its nearest image (N, …).
at::Tensor rms_to_nearest(const at::Tensor& samples, const at::Tensor& images);

// The source tree (tests/data/ …).
std::filesystem::path source_dir();
// ../shared (the project's reference data and tools), from $DIFFSCOPE_SHARED_DIR
// or beside the source tree; empty when it is not there.
std::filesystem::path shared_dir();
// ../shared/data/clip/bpe_simple_vocab_16e6.txt.gz, or empty when absent.
std::filesystem::path clip_vocabulary();

// The built diffscope-cli (set by CTest in DIFFSCOPE_CLI).
std::string cli_path();
// Runs a shell command, capturing stdout+stderr; returns the exit status.
int run_command(const std::string& command, std::string* output = nullptr);

// The message of the diffscope::Error that `call` throws, or "no error".
std::string error_of(const std::function<void()>& call);

}  // namespace diffscope::support
