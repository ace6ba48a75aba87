// The path numbers of a run (core/analysis/chain_path.h) on paths whose
// answers are known — a straight line, a prediction closing in linearly, a
// random walk checked against a direct PCA — and the oracle's posterior
// entropy through a real run.
#include "core/analysis/chain_path.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/pipeline/pipeline.h"
#include "tests/support/test_support.h"

namespace diffscope {
namespace {

StepEvent event_at(int index, int total, const at::Tensor& x_t, const at::Tensor& x0, const at::Tensor& eps) {
  StepEvent e;
  e.index = index;
  e.total = total;
  e.sigma = 10.0 - index;
  e.t = 999 - 100 * index;
  e.x_t = x_t;
  e.x0 = x0;
  e.eps = eps;
  return e;
}

TEST(ChainPath, APredictionClosingInLinearlyHasItsNinetyPercentStep) {
  const at::Tensor final_sample = at::randn({1, 4, 8, 8});
  const at::Tensor away = at::randn({1, 4, 8, 8});
  ChainPathRecorder recorder;
  for (int k = 0; k <= 10; ++k) {
    const at::Tensor x0 = final_sample + std::max(0.0, 1.0 - k / 9.5) * away;
    recorder.add(event_at(k, 11, at::randn({1, 4, 8, 8}), x0, 2.0 * at::ones({1, 4, 8, 8})));
  }
  const ChainPath path = recorder.finish(final_sample);
  ASSERT_EQ(path.steps.size(), 11u);
  const double first = path.steps[0].x0_distance;
  EXPECT_NEAR(first, std::sqrt(away.pow(2).mean().item<double>()), 1e-5);
  for (int k = 0; k <= 10; ++k) {
    EXPECT_NEAR(path.steps[k].change_done, std::min(1.0, k / 9.5), 1e-5) << k;
    EXPECT_NEAR(path.steps[k].eps_rms, 2.0, 1e-6);
    EXPECT_FALSE(path.steps[k].posterior_entropy.has_value());
  }
  EXPECT_EQ(path.step_90, 9);  // 9 / 9.5 = 0.947; step 8 had 0.842
  EXPECT_EQ(path.steps[3].sigma, 7.0);
}

TEST(ChainPath, AStraightLineIsOneComponentRunningFromNegativeToPositive) {
  const at::Tensor start = at::randn({1, 3, 16, 16}), direction = at::randn({1, 3, 16, 16});
  ChainPathRecorder recorder;
  for (int k = 0; k < 8; ++k) {
    const at::Tensor x = start + k * direction;
    recorder.add(event_at(k, 8, x, x, x));
  }
  const ChainPath path = recorder.finish(start);
  EXPECT_NEAR(path.pc1_share, 1.0, 1e-6);
  EXPECT_NEAR(path.pc2_share, 0.0, 1e-6);
  EXPECT_LT(path.steps.front().pc1, 0);
  for (int k = 1; k < 8; ++k) {
    // Equal steps along the line: the coordinate grows by |direction| each time.
    EXPECT_NEAR(path.steps[k].pc1 - path.steps[k - 1].pc1, direction.norm().item<double>(), 1e-3) << k;
    EXPECT_NEAR(path.steps[k].pc2, 0.0, 1e-3);
  }
}

TEST(ChainPath, ComponentsEqualADirectPcaOfTheSteps) {
  const int n = 12;
  std::vector<at::Tensor> xs;
  at::Tensor x = at::randn({2, 4, 6, 6});
  ChainPathRecorder recorder(1);  // the second image of a batch of two
  for (int k = 0; k < n; ++k) {
    x = x + at::randn({2, 4, 6, 6}) * (1.0 + k);
    xs.push_back(x[1].flatten().to(at::kDouble));
    recorder.add(event_at(k, n, x, x, x));
  }
  const ChainPath path = recorder.finish(x);
  EXPECT_EQ(path.item, 1);
  const at::Tensor rows = at::stack(xs);
  const at::Tensor centred = rows - rows.mean(0, true);
  const auto [u, s, vh] = at::linalg_svd(centred, false);
  const at::Tensor projected = at::matmul(centred, vh.narrow(0, 0, 2).t());
  const double total = s.pow(2).sum().item<double>();
  EXPECT_NEAR(path.pc1_share, s[0].item<double>() * s[0].item<double>() / total, 1e-6);
  EXPECT_NEAR(path.pc2_share, s[1].item<double>() * s[1].item<double>() / total, 1e-6);
  for (int k = 0; k < n; ++k) {
    EXPECT_NEAR(std::abs(path.steps[k].pc1), std::abs(projected[k][0].item<double>()), 1e-3) << k;
    EXPECT_NEAR(std::abs(path.steps[k].pc2), std::abs(projected[k][1].item<double>()), 1e-3) << k;
  }
}

TEST(ChainPath, CsvHasAHeaderAndARowPerStepWithEmptyEntropyWhereThereIsNone) {
  ChainPathRecorder recorder;
  const at::Tensor x = at::ones({1, 1, 2, 2});
  recorder.add(event_at(0, 2, x, x, x), 1.5);
  recorder.add(event_at(1, 2, x, x, x));
  std::ostringstream out;
  write_path_csv(out, {recorder.finish(x)});
  std::istringstream lines(out.str());
  std::string header, first, second, extra;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header, "item,step,t,sigma,x0_distance,change_done,eps_rms,pc1,pc2,posterior_entropy");
  EXPECT_EQ(first.substr(0, 4), "0,0,");
  EXPECT_EQ(first.substr(first.rfind(',')), ",1.5");
  EXPECT_EQ(second.back(), ',');
  EXPECT_FALSE(std::getline(lines, extra));
}

// The oracle starts undecided among the images its prompt allows and ends on
// one: its entropy falls from at most ln N to about 0.
TEST(ChainPath, TheOraclesPosteriorEntropyFallsToZero) {
  support::TempDir cache;
  setenv("DIFFSCOPE_CACHE_DIR", cache.path().c_str(), 1);
  Request request;
  request.model = "oracle";
  request.prompt = "cat";
  request.width = request.height = 16;
  request.steps = 12;
  Pipeline pipeline;
  ModelBundle* bundle = nullptr;
  at::Tensor context;
  ChainPathRecorder recorder;
  RunHooks hooks;
  hooks.on_ready = [&](const Plan&, ModelBundle& b) {
    bundle = &b;
    context = b.encode_prompt(request.prompt);
  };
  hooks.on_step = [&](const StepEvent& event) {
    const auto posterior = bundle->posterior(event.x_t.narrow(0, 0, 1), event.t, context, 3);
    ASSERT_TRUE(posterior.has_value());
    EXPECT_LE(posterior->top.size(), 3u);
    recorder.add(event, posterior->entropy);
  };
  const Result result = pipeline.run(request, hooks, {});
  unsetenv("DIFFSCOPE_CACHE_DIR");
  const ChainPath path = recorder.finish(result.samples);
  const double first = *path.steps.front().posterior_entropy, last = *path.steps.back().posterior_entropy;
  EXPECT_GT(first, 1.0);  // several cat images still in play
  EXPECT_LT(last, 0.05);
  EXPECT_GE(last, 0.0);
  EXPECT_NEAR(path.steps.back().change_done, 1.0, 1e-6);
  EXPECT_GE(path.step_90, 0);
}

}  // namespace
}  // namespace diffscope
