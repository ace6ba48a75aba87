// A1111's prompt editing [from:to:when] and alternation [a|b]: the text at
// each step and at each model call (A1111 counts calls, Heun's correctors
// too), what stays literal, the conditioning a real sampler hands each call,
// and a run whose prompt switches at a step equals a branch made there.
#include "core/text/prompt_schedule.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/pipeline/branch_run.h"
#include "core/pipeline/pipeline.h"
#include "core/sampling/noise_source.h"
#include "tests/support/test_support.h"

namespace diffscope {
namespace {

TEST(PromptSchedule, FromToWhenSwitchesAfterItsStep) {
  const std::string p = "a [cat:dog:5] photo";
  EXPECT_TRUE(has_prompt_schedule(p));
  for (int step = 1; step <= 10; ++step) {
    EXPECT_EQ(prompt_at_step(p, step, 10), step <= 5 ? "a cat photo" : "a dog photo") << step;
  }
}

TEST(PromptSchedule, ADecimalWhenIsAFractionOfTheSteps) {
  EXPECT_EQ(prompt_at_step("[cat:dog:0.25]", 2, 8), "cat");
  EXPECT_EQ(prompt_at_step("[cat:dog:0.25]", 3, 8), "dog");
  EXPECT_EQ(prompt_at_step("[cat:dog:0.5]", 5, 10), "cat");
  EXPECT_EQ(prompt_at_step("[cat:dog:0.5]", 6, 10), "dog");
  EXPECT_EQ(prompt_at_step("[cat:dog:30]", 20, 20), "cat");  // capped at the step count
}

TEST(PromptSchedule, ToAloneAddsAndAnEmptyToRemoves) {
  EXPECT_EQ(prompt_at_step("a [red :3]apple", 3, 6), "a apple");
  EXPECT_EQ(prompt_at_step("a [red :3]apple", 4, 6), "a red apple");
  EXPECT_EQ(prompt_at_step("a [red ::3]apple", 3, 6), "a red apple");
  EXPECT_EQ(prompt_at_step("a [red ::3]apple", 4, 6), "a apple");
}

TEST(PromptSchedule, AlternationCyclesAndNests) {
  const std::string p = "[cat|dog|fox] face";
  EXPECT_EQ(prompt_at_step(p, 1, 9), "cat face");
  EXPECT_EQ(prompt_at_step(p, 2, 9), "dog face");
  EXPECT_EQ(prompt_at_step(p, 3, 9), "fox face");
  EXPECT_EQ(prompt_at_step(p, 4, 9), "cat face");
  const std::string nested = "[[a|b]:(c:1.2):2]";
  EXPECT_EQ(prompt_at_step(nested, 1, 4), "a");
  EXPECT_EQ(prompt_at_step(nested, 2, 4), "b");
  EXPECT_EQ(prompt_at_step(nested, 3, 4), "(c:1.2)");  // emphasis inside stays for the emphasis parser
}

TEST(PromptSchedule, EverythingElseStaysAsWritten) {
  for (const std::string p : {"plain words", "[de-emphasis]", "(emphasis:1.3)", "[a:b]", "[a:b:c]", "\\[cat:dog:3\\]",
                              "[cat:dog:3", "cat:dog:3]", "[(a:1.1)]", "[:]", "[a:b:.]", ""}) {
    EXPECT_FALSE(has_prompt_schedule(p)) << p;
    EXPECT_EQ(prompt_at_step(p, 2, 4), p) << p;
  }
  EXPECT_EQ(prompt_at_step("[x [cat:dog:1]]", 2, 4), "[x dog]");  // inside a de-emphasis
  // Hostile depth is read literally rather than overflowing the stack.
  const std::string deep = std::string(5000, '[') + "a|b" + std::string(5000, ']');
  EXPECT_NO_THROW(prompt_at_step(deep, 1, 2));
}

// A1111's denoiser counts its calls from 0 and reads the first schedule entry
// ending at or after the count: calls 0 and 1 read step 1's prompt, "[a:b:5]"
// reads a for six calls.
TEST(PromptSchedule, ACallReadsTheFirstScheduleEntryEndingAtOrAfterItsCount) {
  for (int call = 0; call < 10; ++call) {
    EXPECT_EQ(prompt_at_call("[cat:dog:5]", call, 10), call <= 5 ? "cat" : "dog") << call;
  }
  const std::vector<std::string> alternating = {"a", "a", "b", "a", "b", "a"};
  for (int call = 0; call < 6; ++call) EXPECT_EQ(prompt_at_call("[a|b]", call, 6), alternating[call]) << call;
  EXPECT_EQ(prompt_at_call("[cat:dog:0]", 0, 10), "dog");  // never "cat", as A1111
  EXPECT_EQ(prompt_at_call("[cat:dog:0.5]", 10, 20), "cat");
  EXPECT_EQ(prompt_at_call("[cat:dog:0.5]", 11, 20), "dog");
}

Request scheduled(const std::string& prompt, SamplerId sampler, int steps) {
  Request r;
  r.prompt = prompt;
  r.negative_prompt = "[ugly|blurry]";
  r.sampler = sampler;
  r.steps = steps;
  return r;
}

std::vector<double> levels(int steps) {  // σ_max … σ_min, then 0
  std::vector<double> sigmas;
  for (int i = 0; i < steps; ++i) sigmas.push_back(10.0 / (i + 1));
  sigmas.push_back(0.0);
  return sigmas;
}

std::vector<std::vector<std::string>> prompts_of(const std::vector<std::vector<CallConditioning>>& steps,
                                                 bool negative = false) {
  std::vector<std::vector<std::string>> out;
  for (const auto& calls : steps) {
    out.emplace_back();
    for (const CallConditioning& call : calls) out.back().push_back(negative ? call.negative_prompt : call.prompt);
  }
  return out;
}

// Heun makes two calls a step (one on its last, to σ = 0) and A1111 schedules
// over steps × 2: "[cat:dog:4]" in 4 Heun steps switches on step 3's corrector.
TEST(PromptSchedule, HeunsCorrectorCallsCountAsA1111CountsThem) {
  const Request heun = scheduled("[cat:dog:4]", SamplerId::Heun, 4);
  const auto calls = call_conditioning(chain_segments(heun, 4), levels(4));
  using Steps = std::vector<std::vector<std::string>>;
  EXPECT_EQ(prompts_of(calls), (Steps{{"cat", "cat"}, {"cat", "cat"}, {"cat", "dog"}, {"dog"}}));
  EXPECT_EQ(prompts_of(calls, true), (Steps{{"ugly", "ugly"}, {"blurry", "ugly"}, {"blurry", "ugly"}, {"blurry"}}));
  // A fraction is of the calls: half of 10 Heun steps is call 10, step 6's predictor.
  const auto half = call_conditioning(chain_segments(scheduled("[cat:dog:0.5]", SamplerId::Heun, 10), 10), levels(10));
  EXPECT_EQ(prompts_of(half)[5], (std::vector<std::string>{"cat", "dog"}));
  // A first-order sampler: one call a step.
  const auto euler = call_conditioning(chain_segments(scheduled("[cat:dog:2]", SamplerId::Euler, 4), 4), levels(4));
  EXPECT_EQ(prompts_of(euler), (Steps{{"cat"}, {"cat"}, {"cat"}, {"dog"}}));
}

// A branch with another sampler counts its calls as that sampler would have
// from the chain's start: an Euler branch of a Heun run at step 2 reads
// "[cat:dog:3]" as a fresh Euler run would, not after the parent's 4 calls.
TEST(PromptSchedule, ABranchWithAnotherSamplerCountsItsOwnCalls) {
  const Request parent = scheduled("cat", SamplerId::Heun, 6);
  Request branch = scheduled("[cat:dog:3]", SamplerId::Euler, 6);
  branch.negative_prompt = "";
  branch.branch = BranchPoint{std::make_shared<const Request>(parent), 2};
  const auto calls = call_conditioning(chain_segments(branch, 6), levels(6));
  using Steps = std::vector<std::vector<std::string>>;
  EXPECT_EQ(prompts_of(calls), (Steps{{"cat", "cat"}, {"cat", "cat"}, {"cat"}, {"cat"}, {"dog"}, {"dog"}}));
}

// The conditioning a real Heun pass hands each model call: a denoiser per
// distinct text that logs its calls.
class LoggingDenoiser : public Denoiser {
 public:
  LoggingDenoiser(std::string text, std::vector<std::string>& log) : text_(std::move(text)), log_(log) {}
  at::Tensor denoise(const at::Tensor& x, double) override {
    log_.push_back(text_);
    return x * 0.5;
  }
  double timestep(double sigma) const override { return sigma; }

 private:
  std::string text_;
  std::vector<std::string>& log_;
};

TEST(PromptSchedule, ARunSwitchesTheConditioningCallByCall) {
  std::vector<std::string> log;
  int encoded = 0;
  const DenoiserFactory factory = [&](const Request& settings) -> std::unique_ptr<Denoiser> {
    ++encoded;
    return std::make_unique<LoggingDenoiser>(settings.prompt + "/" + settings.negative_prompt, log);
  };
  Request heun = scheduled("[cat:dog:4]", SamplerId::Heun, 4);
  heun.negative_prompt = "";
  NoiseSource noise(1, 1);
  run_segments(at::ones({1, 1, 2, 2}), chain_segments(heun, 4), levels(4), factory, noise, 1, {}, CancelToken{});
  EXPECT_EQ(log, (std::vector<std::string>{"cat/", "cat/", "cat/", "cat/", "cat/", "dog/", "dog/"}));
  EXPECT_EQ(encoded, 2);  // each text encoded once
}

class PromptScheduleRun : public ::testing::Test {
 protected:
  void SetUp() override { setenv("DIFFSCOPE_CACHE_DIR", cache_.path().c_str(), 1); }
  void TearDown() override { unsetenv("DIFFSCOPE_CACHE_DIR"); }
  support::TempDir cache_;
  Pipeline pipeline_;
};

// On the built-in model, whose text encoder reads each step's prompt.
// "[red apple:banana:4]" reads red apple for calls 0-4 (A1111's count), so
// it is a branch at step 5 (index 5, the sixth step), not at 4.
TEST_F(PromptScheduleRun, EditingAtAStepEqualsABranchThere) {
  Request edited;
  edited.prompt = "[red apple:banana:4]";
  edited.steps = 8;
  edited.seed = 5;
  edited.sampler = SamplerId::EulerAncestral;
  Request parent = edited;
  parent.prompt = "red apple";
  const auto branch_at = [&](int step) {
    Request branch = parent;
    branch.prompt = "banana";
    branch.branch = BranchPoint{std::make_shared<const Request>(parent), step};
    return pipeline_.run(branch);
  };
  const Result a = pipeline_.run(edited), plain = pipeline_.run(parent);
  EXPECT_TRUE(at::equal(a.samples, branch_at(5).samples));
  EXPECT_FALSE(at::allclose(a.samples, branch_at(4).samples));
  EXPECT_FALSE(at::allclose(a.samples, plain.samples));
  EXPECT_EQ(a.request.prompt, "[red apple:banana:4]");  // the PNG keeps what was typed
}

TEST_F(PromptScheduleRun, AlternationRuns) {
  Request r;
  r.prompt = "[red apple|banana]";
  r.steps = 6;
  r.seed = 5;
  const Result alternating = pipeline_.run(r);
  r.prompt = "red apple";
  EXPECT_FALSE(at::allclose(alternating.samples, pipeline_.run(r).samples));
}

}  // namespace
}  // namespace diffscope
