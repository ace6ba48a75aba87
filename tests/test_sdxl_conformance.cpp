// Conformance with an independent implementation: ../shared/fixtures/sdxl-random
// holds what stable-diffusion.cpp drew from a deterministic random-weight SDXL
// base checkpoint. The checkpoint (6.9 GB) is made on first run by
// ../shared/tools/make_random_sdxl.py (Debian's python3-torch, ~1–2 min) and
// kept in the build's test cache. In float32 the run holds ~14 GB: ctest runs
// this test alone (RUN_SERIAL).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "core/io/png_image.h"
#include "core/io/safetensors.h"
#include "core/models/sdxl/sdxl_bundle.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

constexpr uintmax_t kCheckpointBytes = 6938041240;  // ../shared/fixtures/sdxl-random/README.md

}  // namespace

class SdxlConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (support::shared_dir().empty()) {
      why_ = "../shared is not here (the fixture and its checkpoint generator)";
      return;
    }
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here";
      return;
    }
    checkpoint_ =
        support::random_checkpoint("make_random_sdxl.py", "sdxl_random_f16.safetensors", kCheckpointBytes, &why_);
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
fs::path SdxlConformance::checkpoint_;
std::string SdxlConformance::why_;

TEST_F(SdxlConformance, ReproducesStableDiffusionCppInFloat32) {
  Request request;
  request.model = checkpoint_.string();
  request.tokenizer = support::clip_vocabulary().string();
  request.precision = Precision::Float32;  // the reference mode
  request.prompt = "a lovely cat";
  request.negative_prompt = "ugly";  // non-empty: sd.cpp and sgm/A1111 treat "" differently
  request.seed = 42;
  request.width = request.height = 256;
  request.sampler = SamplerId::Euler;
  request.spacing = Spacing::Linspace;  // k-diffusion's "discrete": t_i = 999 − i·999/(n−1)
  request.steps = 4;
  request.cfg_scale = 5.0;
  request.device = parse_device("cpu");
  Pipeline pipeline;
  const Result result = pipeline.run(request);

  const at::Tensor expected =
      read_png_rgb(support::shared_dir() / "fixtures" / "sdxl-random" / "cat_s42_256x256_euler4_cfg5_neg.png");
  ASSERT_EQ(result.images.sizes(), (at::IntArrayRef{1, 256, 256, 3}));
  const double db = support::psnr_8bit(result.images[0], expected);
  std::cout << "PSNR against stable-diffusion.cpp: " << db << " dB\n";
  RecordProperty("psnr_db", std::to_string(db));
  EXPECT_GE(db, 45.0);
  EXPECT_EQ(result.info.family, "SDXL");

  // Every tensor of the file is used once: by a network, or skipped as a
  // known non-weight (CLIP-L's position_ids, bigG's logit_scale).
  const auto& bundle = static_cast<SdxlBundle&>(pipeline.prepare(request));
  EXPECT_EQ(bundle.load_report().taken + bundle.load_report().skipped,
            SafetensorsFile::open(checkpoint_).entries().size());
  EXPECT_EQ(bundle.load_report().taken + bundle.load_report().skipped, 2515u);
  EXPECT_EQ(bundle.load_report().skipped, 2u);
}
