#include "core/pipeline/pipeline.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;

class PipelineTest : public support::FreshCacheTest {
 protected:
  Pipeline pipeline;
};

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
  EXPECT_EQ(result.request.spacing, Spacing::Linspace);
  EXPECT_EQ(result.request.schedule, "linear");
  EXPECT_EQ(*result.request.cfg_scale, 1.0);
}

TEST_F(PipelineTest, SameRequestGivesBitIdenticalImages) {
  Request request;
  request.model = "oracle";
  request.sampler = SamplerId::EulerAncestral;
  request.steps = 6;
  request.seed = 77;
  const Result a = pipeline.run(request), b = pipeline.run(request);
  EXPECT_TRUE(at::equal(a.images, b.images));
  EXPECT_TRUE(at::equal(a.samples, b.samples));
}

TEST_F(PipelineTest, BatchImageEqualsItsSeedAlone) {
  Request request;
  request.model = "oracle";
  request.sampler = SamplerId::Ddpm;
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
  EXPECT_THROW(pipeline.run(
                   request,
                   [&](const StepEvent&) {
                     if (++events == 3) cancel.cancel();
                   },
                   cancel),
               Cancelled);
  EXPECT_EQ(events, 3);
}

// A variation seed at strength 1 replaces x_T's noise with its own: for a
// deterministic sampler the image is that seed's; at 0 it changes nothing.
TEST_F(PipelineTest, VariationSeedMovesTheRunBetweenTwoSeeds) {
  Request request;
  request.model = "oracle";
  request.steps = 6;
  request.seed = 3;
  const Result plain = pipeline.run(request);
  request.variation.seed = 9;
  request.variation.strength = 1.0;
  const Result full = pipeline.run(request);
  request.variation.strength = 0.5;
  const Result half = pipeline.run(request);
  Request other = request;
  other.variation = {};
  other.seed = 9;
  const Result nine = pipeline.run(other);
  EXPECT_TRUE(at::allclose(full.samples, nine.samples, 1e-4, 1e-4));
  EXPECT_FALSE(at::allclose(half.samples, plain.samples, 1e-2, 1e-2));
  EXPECT_FALSE(at::allclose(half.samples, nine.samples, 1e-2, 1e-2));
  EXPECT_EQ(full.request.variation.seed, 9);  // the result says what ran
}

TEST_F(PipelineTest, BadRequestsAreErrors) {
  auto bad = [&](auto change) {
    Request request;
    request.model = "oracle";
    request.steps = 2;
    change(request);
    EXPECT_THROW(pipeline.run(request), Error);
  };
  bad([](Request& r) { r.batch = 0; });
  bad([](Request& r) { r.steps = 0; });
  bad([](Request& r) { r.model = "sd99"; });
  bad([](Request& r) { r.width = 4096; });
  bad([](Request& r) { r.prompt = "qwzxv"; });
  bad([](Request& r) { r.schedule = "weird"; });
  bad([](Request& r) { r.seed = -5; });
  bad([](Request& r) { r.variation.strength = 1.5; });
  bad([](Request& r) { r.variation.seed = -1; });
  bad([](Request& r) { r.variation.resize_from_width = r.variation.resize_from_height = 5000; });
  // Names are parsed where they enter (CLI, widgets, PNG text), with the choices in the message.
  EXPECT_THROW(sampler_by_name("nope"), Error);
  EXPECT_THROW(spacing_by_name("weird"), Error);
  EXPECT_THROW(parse_device("tpu"), Error);
  EXPECT_THROW(parse_precision("float8"), Error);
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

TEST_F(PipelineTest, PlanSaysWhatTheRunWillDoWithoutRunningIt) {
  Request request;
  request.model = "oracle";
  request.sampler = SamplerId::Heun;
  request.steps = 6;
  const Plan plan = Pipeline::plan(request, /*keep_history=*/true);
  EXPECT_EQ(plan.info.kind, ModelKind::Oracle);
  EXPECT_EQ(plan.request.spacing, Spacing::Linspace);  // Heun's default, filled in
  EXPECT_EQ(plan.request.schedule, "linear");
  EXPECT_EQ(plan.sigmas.size(), 7u);
  EXPECT_EQ(plan.timesteps.size(), 6u);
  EXPECT_EQ(plan.model_calls, 12);  // Heun: two per step
  EXPECT_EQ(plan.compute_type, at::kFloat);
  EXPECT_GT(plan.memory.history, 0u);
  EXPECT_EQ(Pipeline::plan(request).memory.history, 0u);

  // The run's own plan, handed over once the model is loaded, is the same.
  RunHooks hooks;
  int ready = 0, steps = 0;
  hooks.on_ready = [&](const Plan& exact, ModelBundle& bundle) {
    ++ready;
    EXPECT_EQ(steps, 0);  // before the first step
    EXPECT_EQ(exact.sigmas, plan.sigmas);
    EXPECT_EQ(exact.timesteps, plan.timesteps);
    EXPECT_EQ(bundle.info().kind, ModelKind::Oracle);
  };
  hooks.on_step = [&](const StepEvent&) { ++steps; };
  const Result result = pipeline.run(request, hooks);
  EXPECT_EQ(ready, 1);
  EXPECT_EQ(steps, 6);
  EXPECT_EQ(result.sigmas, plan.sigmas);
  EXPECT_EQ(result.info.kind, ModelKind::Oracle);
}

TEST_F(PipelineTest, PlanChecksTheRequestAgainstTheModel) {
  auto refusal = [](const std::function<void(Request&)>& change) {
    Request request;  // the built-in model
    change(request);
    try {
      Pipeline::plan(request);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refusal([](Request& r) { r.width = r.height = 32; }).find("64×64 only"), std::string::npos);
  EXPECT_NE(refusal([](Request& r) { r.schedule = "linear"; }).find("noise schedule"), std::string::npos);
  EXPECT_NE(refusal([](Request& r) { r.vae = "vae.safetensors"; }).find("no VAE to replace"), std::string::npos);
  EXPECT_NE(refusal([](Request& r) { r.mask_image = "mask.png"; }).find("needs the image it paints into"),
            std::string::npos);
  EXPECT_NE(refusal([](Request& r) { r.mask_blur = 65; }).find("mask blur"), std::string::npos);
  EXPECT_NE(refusal([](Request& r) { r.clip_skip = 2; }).find("Clip skip"), std::string::npos);
  EXPECT_NE(refusal([](Request& r) { r.prediction = Prediction::Epsilon; }).find("prediction"), std::string::npos);
  EXPECT_NE(refusal([](Request& r) { r.precision = Precision::Float16; }).find("float16"), std::string::npos);
  EXPECT_NE(refusal([](Request& r) { r.batch = 65; }).find("batch size"), std::string::npos);
  EXPECT_EQ(refusal([](Request& r) { r.steps = 1000; }), "accepted");
  EXPECT_EQ(refusal([](Request& r) { r.prompt_as_written = true; }), "accepted");  // it has a caption index
  EXPECT_NE(refusal([](Request& r) {
              r.model = "oracle";
              r.prompt_as_written = true;
            }).find("always reads the prompt as written"),
            std::string::npos);
  // The oracle computes in float32 only: asking for bfloat16 is refused, not ignored.
  EXPECT_NE(refusal([](Request& r) {
              r.model = "oracle";
              r.precision = Precision::BFloat16;
            }).find("float32 only"),
            std::string::npos);
  EXPECT_EQ(refusal([](Request& r) {
              r.model = "oracle";
              r.schedule = "cosine";
              r.width = 40;
            }),
            "accepted");
}

TEST_F(PipelineTest, BuiltInModelHonoursItsPrecision) {
  Request request;
  request.prompt = "grinning face";
  request.steps = 3;
  request.precision = Precision::BFloat16;
  const Plan plan = Pipeline::plan(request);
  EXPECT_EQ(plan.compute_type, at::kBFloat16);
  at::ScalarType ran = at::kFloat;
  RunHooks hooks;
  hooks.on_ready = [&](const Plan& exact, ModelBundle&) { ran = exact.compute_type; };
  const Result bf16 = pipeline.run(request, hooks);
  EXPECT_EQ(ran, at::kBFloat16);
  request.precision = Precision::Float32;
  const Result f32 = pipeline.run(request);
  // Different arithmetic, the same picture (the model reloads in the other type).
  EXPECT_FALSE(at::equal(bf16.images, f32.images));
  EXPECT_LT((bf16.images.to(at::kFloat) - f32.images.to(at::kFloat)).abs().mean().item<double>(), 12.0);
}

TEST(ResolvedSpacing, TheRequestsThenTheModelsThenTheSamplers) {
  Request request;
  request.sampler = SamplerId::Dpmpp2m;
  ModelInfo model;
  EXPECT_EQ(resolved_spacing(request, model), Spacing::Karras);  // DPM++ 2M's own
  model.default_spacing = Spacing::Trailing;                     // e.g. a few-step model trained on trailing timesteps
  EXPECT_EQ(resolved_spacing(request, model), Spacing::Trailing);
  request.spacing = Spacing::Exponential;
  EXPECT_EQ(resolved_spacing(request, model), Spacing::Exponential);
}

// Align Your Steps needs the model: the built-in model (SD's schedule, not
// SDXL) runs on NVIDIA's SD 1.5 levels, plan and run alike; the oracle's DDPM
// schedule is refused by name. (SDXL's list: test_sdxl.)
TEST_F(PipelineTest, AlignYourStepsFollowsTheModelsFamily) {
  Request request;
  request.prompt = "red apple";
  request.steps = 10;
  request.spacing = Spacing::AlignYourSteps;
  const Plan plan = Pipeline::plan(request);
  std::vector<double> expected = align_your_steps_levels(AlignYourStepsList::Sd15);
  expected.back() = 0.0;
  ASSERT_EQ(plan.sigmas.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(plan.sigmas[i], expected[i], 1e-12) << i;
  request.steps = 4;
  const Result result = pipeline.run(request);
  EXPECT_EQ(result.sigmas, align_your_steps_sigmas(4, AlignYourStepsList::Sd15, NoiseSchedule::scaled_linear()));
  EXPECT_EQ(result.request.spacing, Spacing::AlignYourSteps);

  request.model = "oracle";
  try {
    Pipeline::plan(request);
    FAIL() << "the oracle's schedule was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Align Your Steps"), std::string::npos) << e.what();
  }
}
