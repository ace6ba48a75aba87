#include "core/pipeline/pipeline.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;

class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_ = new support::TempDir;
    setenv("DIFFSCOPE_CACHE_DIR", cache_->path().c_str(), 1);
  }
  static void TearDownTestSuite() {
    unsetenv("DIFFSCOPE_CACHE_DIR");
    delete cache_;
  }
  static support::TempDir* cache_;
  Pipeline pipeline;
};
support::TempDir* PipelineTest::cache_ = nullptr;

TEST_F(PipelineTest, DeliversOneEventPerStepAndAnImage) {
  Request request;
  request.model = "oracle";
  request.prompt = "cat";
  request.steps = 7;
  request.seed = 4;
  std::vector<int> indices;
  const Result result = pipeline.run(request, [&](const StepEvent& e) { indices.push_back(e.index); });
  EXPECT_EQ(indices, (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(result.images.sizes(), (at::IntArrayRef{1, 64, 64, 3}));
  EXPECT_EQ(result.images.scalar_type(), at::kByte);
  EXPECT_EQ(result.sigmas.size(), 8u);
  EXPECT_EQ(result.request.spacing, "linspace");
  EXPECT_EQ(result.request.schedule, "linear");
  EXPECT_EQ(*result.request.cfg_scale, 1.0);
}

TEST_F(PipelineTest, SameRequestGivesBitIdenticalImages) {
  Request request;
  request.model = "oracle";
  request.sampler = "euler_a";
  request.steps = 6;
  request.seed = 77;
  const Result a = pipeline.run(request), b = pipeline.run(request);
  EXPECT_TRUE(at::equal(a.images, b.images));
  EXPECT_TRUE(at::equal(a.samples, b.samples));
}

TEST_F(PipelineTest, BatchImageEqualsItsSeedAlone) {
  Request request;
  request.model = "oracle";
  request.sampler = "ddpm";
  request.steps = 10;
  request.seed = 20;
  request.batch = 3;
  const Result batch = pipeline.run(request);
  request.batch = 1;
  request.seed = 22;
  const Result alone = pipeline.run(request);
  EXPECT_TRUE(at::allclose(batch.samples[2], alone.samples[0], 1e-4, 1e-4));
}

TEST_F(PipelineTest, GuidanceWithNegativePromptRuns) {
  Request request;
  request.model = "oracle";
  request.prompt = "red heart";
  request.negative_prompt = "face";
  request.cfg_scale = 3.0;
  request.steps = 5;
  const Result result = pipeline.run(request);
  EXPECT_EQ(result.images.size(0), 1);
  EXPECT_EQ(*result.request.cfg_scale, 3.0);
}

TEST_F(PipelineTest, CancelStopsWithinAStep) {
  Request request;
  request.model = "oracle";
  request.steps = 50;
  CancelToken cancel;
  int events = 0;
  EXPECT_THROW(pipeline.run(request, [&](const StepEvent&) { if (++events == 3) cancel.cancel(); }, cancel),
               Cancelled);
  EXPECT_EQ(events, 3);
}

TEST_F(PipelineTest, BadRequestsAreErrors) {
  auto bad = [&](auto change) {
    Request request;
  request.model = "oracle";
    request.model = "oracle";
    request.steps = 2;
    change(request);
    EXPECT_THROW(pipeline.run(request), Error);
  };
  bad([](Request& r) { r.batch = 0; });
  bad([](Request& r) { r.steps = 0; });
  bad([](Request& r) { r.sampler = "nope"; });
  bad([](Request& r) { r.model = "sd99"; });
  bad([](Request& r) { r.width = 4096; });
  bad([](Request& r) { r.prompt = "qwzxv"; });
  bad([](Request& r) { r.spacing = "weird"; });
  bad([](Request& r) { r.schedule = "weird"; });
  bad([](Request& r) { r.device = "tpu"; });
  bad([](Request& r) { r.seed = -5; });
}

TEST_F(PipelineTest, OddSizesWork) {
  Request request;
  request.model = "oracle";
  request.width = 33;
  request.height = 21;
  request.steps = 4;
  request.batch = 2;
  const Result result = pipeline.run(request);
  EXPECT_EQ(result.images.sizes(), (at::IntArrayRef{2, 21, 33, 3}));
}
