#include "core/pipeline/memory_estimate.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/common/errors.h"
#include "core/common/system_memory.h"
#include "core/models/sd/sd_bundle.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

Request oracle_request() {
  Request r;
  r.model = "oracle";
  return r;
}

// What a run of `r` would be checked against (its plan: the model's
// description, the resolved precision), loading nothing.
MemoryEstimate estimate_run_memory(const Request& r, bool keep_history) {
  return Pipeline::plan(r, keep_history).memory;
}

}  // namespace

TEST(MemoryEstimate, GrowsWithBatchSizeStepsAndGuidance) {
  Request r = oracle_request();
  const uint64_t base = estimate_run_memory(r, true).total();
  Request bigger = r;
  bigger.batch = 4;
  EXPECT_GT(estimate_run_memory(bigger, true).total(), base);
  bigger = r;
  bigger.width = bigger.height = 128;
  EXPECT_GT(estimate_run_memory(bigger, true).weights, 3 * estimate_run_memory(r, true).weights);
  bigger = r;
  bigger.steps = 200;
  EXPECT_GT(estimate_run_memory(bigger, true).history, estimate_run_memory(r, true).history);
  EXPECT_EQ(estimate_run_memory(bigger, false).history, 0u);
  bigger = r;
  bigger.cfg_scale = 3.0;
  EXPECT_GT(estimate_run_memory(bigger, false).activations, estimate_run_memory(r, false).activations);
}

TEST(MemoryEstimate, OracleSetIsCounted) {
  // 1,794 images at 64×64×3 in float32 are 88 MB on their own.
  EXPECT_GT(estimate_run_memory(oracle_request(), false).weights, 88u << 20);
}

TEST(MemoryEstimate, LatentModelsAreSmallButStillCounted) {
  Request r;  // the built-in latent model
  const MemoryEstimate e = estimate_run_memory(r, true);
  EXPECT_GT(e.weights, 30u << 20);  // ~8M float parameters
  EXPECT_LT(e.total(), 512u << 20);
  Request bigger = r;
  bigger.batch = 8;
  EXPECT_GT(estimate_run_memory(bigger, true).activations, e.activations);
}

TEST(MemoryEstimate, RefusesWhatDoesNotFitWithNumbersAndAdvice) {
  Request r = oracle_request();
  r.batch = 64;
  r.width = r.height = 128;
  r.steps = 1000;
  const MemoryEstimate e = estimate_run_memory(r, true);
  try {
    check_memory(e, uint64_t(2) << 30);
    FAIL() << "expected a refusal";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("needs about"), std::string::npos) << message;
    EXPECT_NE(message.find("lower the batch size"), std::string::npos) << message;
  }
  EXPECT_NO_THROW(check_memory(estimate_run_memory(Request{}, true), uint64_t(8) << 30));
}

TEST(MemoryEstimate, ReadsAvailableMemoryOnLinux) {
  const auto available = available_memory_bytes();
  ASSERT_TRUE(available.has_value());
  EXPECT_GT(*available, uint64_t(64) << 20);
}

TEST(MemoryEstimate, FormatsBytes) {
  EXPECT_EQ(format_bytes(uint64_t(350) << 20), "350 MB");
  EXPECT_EQ(format_bytes(uint64_t(3) << 29), "1.5 GB");
}

TEST(MemoryEstimate, CheckpointWeightsFollowTheParametersAndThePrecision) {
  sd::CheckpointInfo checkpoint;
  checkpoint.path = "model.safetensors";
  const ModelInfo info = SdBundle::describe(checkpoint, uint64_t(50) << 20);  // 50 Mi parameters
  Request r;
  r.model = "model.safetensors";
  r.width = r.height = 512;
  r.cfg_scale = 7.0;
  const MemoryEstimate half = estimate_run_memory(r, info, at::kBFloat16, false);
  EXPECT_EQ(half.weights, uint64_t(100) << 20);
  const MemoryEstimate full = estimate_run_memory(r, info, at::kFloat, false);
  EXPECT_EQ(full.weights, uint64_t(200) << 20);
  EXPECT_GT(full.activations, half.activations);
  r.width = r.height = 1024;  // four times the pixels
  EXPECT_GT(estimate_run_memory(r, info, at::kFloat, false).activations, 3 * full.activations);
  EXPECT_GT(estimate_run_memory(r, info, at::kFloat, true).history, 0u);
}
