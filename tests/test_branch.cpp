// Branching a run at a step (core/pipeline/branch.h): the three promises of
// issue 20 — unchanged settings reproduce the parent bit for bit (also for a
// stochastic and a multistep sampler), a branch at step 0 is a fresh run with
// its settings, a branch at step k shares steps 0..k with its parent — and
// new samplers, seeds and step counts, branches of branches, the errors, and
// the PNG parameters that rebuild a branch.
#include "core/pipeline/branch.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/pipeline/parameters_parse.h"
#include "core/pipeline/parameters_text.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/test_support.h"

namespace diffscope {
namespace {

struct Recorded {
  Result result;
  std::vector<at::Tensor> x_t, x0;
};

class BranchTest : public support::FreshCacheTest {
 protected:
  Recorded run(const Request& request) {
    Recorded out;
    out.result = pipeline_.run(request, [&](const StepEvent& e) {
      out.x_t.push_back(e.x_t.clone());
      out.x0.push_back(e.x0.clone());
    });
    return out;
  }
  static Request parent(SamplerId sampler) {
    Request r;
    r.model = "oracle";
    r.prompt = "cat";
    r.width = r.height = 16;
    r.steps = 8;
    r.seed = 11;
    r.sampler = sampler;
    return r;
  }
  static Request branch_of(const Request& parent, int at_step) {
    Request b = parent;
    b.branch = BranchPoint{std::make_shared<const Request>(parent), at_step};
    return b;
  }
  Pipeline pipeline_;
};

TEST_F(BranchTest, UnchangedSettingsReproduceTheParentBitForBit) {
  for (SamplerId sampler : {SamplerId::Euler, SamplerId::EulerAncestral, SamplerId::Dpmpp2m, SamplerId::Heun}) {
    const Request p = parent(sampler);
    const Recorded a = run(p), b = run(branch_of(p, 3));
    EXPECT_TRUE(at::equal(a.result.samples, b.result.samples)) << sampler_info(sampler).name;
    ASSERT_EQ(b.x_t.size(), 8u);
    for (size_t i = 0; i < 8; ++i) EXPECT_TRUE(at::equal(a.x_t[i], b.x_t[i])) << sampler_info(sampler).name << i;
  }
}

// The same on the built-in model, whose text encoder and CFG guide every step.
TEST_F(BranchTest, UnchangedOnTheBuiltInModelToo) {
  Request p;
  p.prompt = "red apple";
  p.steps = 6;
  p.seed = 3;
  p.sampler = SamplerId::Dpmpp2m;
  const Recorded a = run(p), b = run(branch_of(p, 2));
  EXPECT_TRUE(at::equal(a.result.samples, b.result.samples));
  Request other = branch_of(p, 2);
  other.prompt = "banana";
  const Recorded c = run(other);
  EXPECT_TRUE(at::equal(a.x_t[2], c.x_t[2]));
  EXPECT_FALSE(at::allclose(a.result.samples, c.result.samples));
}

TEST_F(BranchTest, AtStepZeroABranchIsAFreshRunWithItsSettings) {
  const Request p = parent(SamplerId::Dpmpp2m);
  Request b = branch_of(p, 0);
  b.prompt = "dog";
  b.cfg_scale = 2.0;
  Request fresh = p;
  fresh.prompt = "dog";
  fresh.cfg_scale = 2.0;
  EXPECT_TRUE(at::equal(run(b).result.samples, run(fresh).result.samples));
}

TEST_F(BranchTest, AtStepKItSharesStepsZeroToKAndThenGoesItsOwnWay) {
  const Request p = parent(SamplerId::EulerAncestral);
  Request b = branch_of(p, 4);
  b.prompt = "dog";
  const Recorded a = run(p), c = run(b);
  for (int i = 0; i <= 4; ++i) EXPECT_TRUE(at::equal(a.x_t[i], c.x_t[i])) << i;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(at::equal(a.x0[i], c.x0[i])) << i;
  EXPECT_FALSE(at::allclose(a.x0[4], c.x0[4]));  // step 5 already sees the new prompt
  EXPECT_FALSE(at::allclose(a.result.samples, c.result.samples));
  EXPECT_EQ(c.result.request.prompt, "dog");
  EXPECT_EQ(c.result.request.seed, 11);
}

TEST_F(BranchTest, ANewSamplerSeedOrStepCountKeepsThePrefix) {
  const Request p = parent(SamplerId::EulerAncestral);
  const Recorded a = run(p);
  Request sampler = branch_of(p, 3);
  sampler.sampler = SamplerId::Dpmpp2m;
  Request seed = branch_of(p, 3);
  seed.seed = 99;  // the noise still to come
  Request longer = branch_of(p, 3);
  longer.steps = 12;
  for (const Request& b : {sampler, seed, longer}) {
    const Recorded c = run(b);
    for (int i = 0; i <= 3; ++i) EXPECT_TRUE(at::equal(a.x_t[i], c.x_t[i])) << i;
    // (The oracle's final images may agree: by step 4 it has often chosen its image.)
    EXPECT_FALSE(at::allclose(a.x_t[5], c.x_t[5]));
  }
  const Recorded c = run(longer);
  EXPECT_EQ(c.x_t.size(), 12u);
  EXPECT_EQ(c.result.sigmas.size(), 13u);
  for (int i = 0; i <= 3; ++i) EXPECT_EQ(c.result.sigmas[i], a.result.sigmas[i]);
  EXPECT_EQ(c.result.sigmas.back(), 0.0);
  for (size_t i = 4; i + 1 < c.result.sigmas.size(); ++i) EXPECT_LT(c.result.sigmas[i], c.result.sigmas[i - 1]);
}

TEST_F(BranchTest, ABranchOfABranchFollowsBothBranchPoints) {
  const Request p = parent(SamplerId::Euler);
  Request first = branch_of(p, 2);
  first.prompt = "dog";
  const Request second = branch_of(first, 5);  // unchanged from `first`
  EXPECT_TRUE(at::equal(run(first).result.samples, run(second).result.samples));
  const Request earlier = branch_of(first, 1);  // before `first` branched: the root's prompt until then
  const Recorded root = run(p), e = run(earlier);
  EXPECT_TRUE(at::equal(root.x0[0], e.x0[0]));
  EXPECT_FALSE(at::allclose(root.x0[1], e.x0[1]));
}

TEST_F(BranchTest, BranchPointsOutsideTheRunAndLoraChangesAreRefused) {
  const Request p = parent(SamplerId::Euler);
  EXPECT_THROW(run(branch_of(p, 8)), Error);
  EXPECT_THROW(run(branch_of(p, -1)), Error);
  Request short_one = branch_of(p, 5);
  short_one.steps = 5;
  EXPECT_THROW(run(short_one), Error);
  Request lora = branch_of(p, 2);
  lora.prompt = "cat <lora:detail:0.5>";
  try {
    run(lora);
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("LoRA"), std::string::npos) << e.what();
  }
  Request orphan = p;
  orphan.branch = BranchPoint{nullptr, 1};
  EXPECT_THROW(run(orphan), Error);
  Request img2img = p;  // refused before anything is read
  img2img.init_image = "photo.png";
  try {
    run(branch_of(img2img, 2));
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("img2img"), std::string::npos) << e.what();
  }
}

// The PNG of a branch carries its parent's parameters: read back, the request
// runs to the same image.
TEST_F(BranchTest, ParametersRebuildTheBranch) {
  const Request p = parent(SamplerId::EulerAncestral);
  Request first = branch_of(p, 2);
  first.prompt = "dog";
  first.seed = 5;
  Request second = branch_of(first, 6);
  second.cfg_scale = 1.5;
  const Recorded original = run(second);
  const std::string text = format_parameters(original.result.request, original.result.info);
  EXPECT_NE(text.find("DiffScope branch: "), std::string::npos) << text;
  const ParsedParameters parsed = parse_parameters(text);
  EXPECT_TRUE(parsed.warnings.empty()) << parsed.warnings.front();
  ASSERT_TRUE(parsed.request.branch.has_value());
  EXPECT_EQ(parsed.request.branch->at_step, 6);
  ASSERT_TRUE(parsed.request.branch->parent->branch.has_value());
  EXPECT_EQ(parsed.request.branch->parent->branch->at_step, 2);
  EXPECT_EQ(parsed.request.branch->parent->prompt, "dog");
  EXPECT_TRUE(at::equal(run(parsed.request).result.samples, original.result.samples));

  const ParsedParameters broken = parse_parameters("cat\nSteps: 8, DiffScope branch: \"{\\\"at step\\\": 0}\"");
  EXPECT_FALSE(broken.request.branch.has_value());
  EXPECT_EQ(broken.warnings.size(), 1u);
  for (const std::string step : {"1e300", "2.5", R"("3")", "-4", "99999999999"}) {
    // The key's value is JSON inside a JSON-quoted parameter value.
    const nlohmann::json branch = nlohmann::json::parse(R"({"at step": )" + step + R"(, "parent": "x\nSteps: 2"})");
    const ParsedParameters odd =
        parse_parameters("cat\nSteps: 8, DiffScope branch: " + quote_parameter_value(branch.dump()));
    EXPECT_FALSE(odd.request.branch.has_value()) << step;
    ASSERT_EQ(odd.warnings.size(), 1u) << step;
    EXPECT_NE(odd.warnings[0].find("whole number"), std::string::npos) << odd.warnings[0];
  }
}

}  // namespace
}  // namespace diffscope
