// Conformance with an independent implementation: ../shared/fixtures/sd15-random
// holds what stable-diffusion.cpp drew from a deterministic random-weight SD 1.5
// checkpoint. The checkpoint (2.1 GB) is made on first run by
// ../shared/tools/make_random_sd15.py (Debian's python3-torch, ~30 s) and
// kept in the build's test cache.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "core/io/png_image.h"
#include "core/io/safetensors.h"
#include "core/models/sd/sd_bundle.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

constexpr uintmax_t kCheckpointBytes = 2132675266;  // ../shared/fixtures/sd15-random/README.md

}  // namespace

class SdConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here";
      return;
    }
    checkpoint_ =
        support::random_checkpoint("make_random_sd15.py", "sd15_random_f16.safetensors", kCheckpointBytes, &why_);
  }
  void SetUp() override {
    // Never a silent pass: without ../shared this says so; with it, a failed
    // generator is a failure.
    if (support::shared_dir().empty()) GTEST_SKIP() << why_;
    ASSERT_FALSE(checkpoint_.empty()) << why_;
  }
  static fs::path checkpoint_;
  static std::string why_;
};
fs::path SdConformance::checkpoint_;
std::string SdConformance::why_;

TEST_F(SdConformance, ReproducesStableDiffusionCppInFloat32) {
  Request request;
  request.model = checkpoint_.string();
  request.tokenizer = support::clip_vocabulary().string();
  request.precision = Precision::Float32;  // the reference mode
  request.prompt = "a lovely cat";
  request.negative_prompt = "";
  request.seed = 42;
  request.width = request.height = 256;
  request.sampler = SamplerId::Euler;
  request.spacing = Spacing::Linspace;  // k-diffusion's "discrete": t_i = 999 − i·999/(n−1)
  request.steps = 4;
  request.cfg_scale = 7.0;
  request.device = parse_device("cpu");
  Pipeline pipeline;
  const Result result = pipeline.run(request);

  const at::Tensor expected =
      read_png_rgb(support::shared_dir() / "fixtures" / "sd15-random" / "cat_s42_256x256_euler4_cfg7.png");
  ASSERT_EQ(result.images.sizes(), (at::IntArrayRef{1, 256, 256, 3}));
  const double db = support::psnr_8bit(result.images[0], expected);
  std::cout << "PSNR against stable-diffusion.cpp: " << db << " dB\n";
  RecordProperty("psnr_db", std::to_string(db));
  EXPECT_GE(db, 45.0);

  // Every tensor of the file is used once: by a network, or skipped as a
  // known non-weight (11 schedule buffers, 2 EMA counters, position_ids).
  const auto& bundle = static_cast<SdBundle&>(pipeline.prepare(request));
  EXPECT_EQ(bundle.load_report().taken + bundle.load_report().skipped,
            SafetensorsFile::open(checkpoint_).entries().size());
  EXPECT_EQ(bundle.load_report().skipped, 14u);
  EXPECT_EQ(bundle.checkpoint().family, sd::Family::Sd1);
}
