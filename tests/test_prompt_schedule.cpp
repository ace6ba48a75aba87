// A1111's prompt editing [from:to:when] and alternation [a|b]: the text at
// each step, what stays literal, and a run whose prompt switches at a step
// equals a branch made there.
#include "core/text/prompt_schedule.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/pipeline/pipeline.h"
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

class PromptScheduleRun : public ::testing::Test {
 protected:
  void SetUp() override { setenv("DIFFSCOPE_CACHE_DIR", cache_.path().c_str(), 1); }
  void TearDown() override { unsetenv("DIFFSCOPE_CACHE_DIR"); }
  support::TempDir cache_;
  Pipeline pipeline_;
};

// On the built-in model, whose text encoder reads each step's prompt.
TEST_F(PromptScheduleRun, EditingAtAStepEqualsABranchThere) {
  Request edited;
  edited.prompt = "[red apple:banana:4]";
  edited.steps = 8;
  edited.seed = 5;
  edited.sampler = SamplerId::EulerAncestral;
  Request parent = edited;
  parent.prompt = "red apple";
  Request branch = parent;
  branch.prompt = "banana";
  branch.branch = BranchPoint{std::make_shared<const Request>(parent), 4};
  const Result a = pipeline_.run(edited), b = pipeline_.run(branch), plain = pipeline_.run(parent);
  EXPECT_TRUE(at::equal(a.samples, b.samples));
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
