// The trainer's AdamW and learning-rate schedule.
#include "core/training/adamw.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/common/errors.h"

using namespace diffscope::training;

TEST(AdamW, FirstStepsMatchTheClosedForm) {
  torch::Tensor w = torch::tensor({{1.0, -2.0}, {0.5, 3.0}}).requires_grad_(true);
  torch::Tensor b = torch::tensor({0.25}).requires_grad_(true);
  AdamW optimizer({{"w", w}, {"b", b}}, AdamWOptions{0.9, 0.999, 1e-8, 0.1});
  // loss = Σ w² + 3b → grad w = 2w, grad b = 3.
  (w.pow(2).sum() + 3 * b.sum()).backward();
  const torch::Tensor w0 = w.detach().clone();
  optimizer.step(0.01);
  // Step 1: m̂ = g, v̂ = g², so the update is lr·g/|g| = lr·sign(g); decay first (matrices only).
  torch::Tensor expected_w = w0 * (1 - 0.01 * 0.1) - 0.01 * torch::sign(w0);
  EXPECT_TRUE(torch::allclose(w.detach(), expected_w, 1e-6, 1e-6));
  EXPECT_NEAR(b.item<double>(), 0.25 - 0.01, 1e-6);  // no decay on a bias
  EXPECT_EQ(optimizer.steps_taken(), 1);
  EXPECT_EQ(w.grad().abs().sum().item<double>(), 0.0);  // gradients cleared
}

TEST(AdamW, StateRoundTripResumesIdentically) {
  auto make = [] { return torch::tensor({{0.3, -0.7}, {1.5, 0.2}}).requires_grad_(true); };
  torch::Tensor a = make(), b = make();
  AdamW first({{"p", a}}), second({{"p", b}});
  for (int i = 0; i < 3; ++i) {
    a.pow(3).sum().backward();
    first.step(0.05);
  }
  {
    torch::NoGradGuard no_grad;
    b.copy_(a);
  }
  second.load_state(first.state(), first.steps_taken());
  for (int i = 0; i < 4; ++i) {
    a.pow(3).sum().backward();
    first.step(0.05);
    b.pow(3).sum().backward();
    second.step(0.05);
  }
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_THROW(second.load_state({}, 1), diffscope::Error);
}

TEST(AdamW, WarmupThenCosineDecay) {
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(0, 1000, 100, 1.0, 0.1), 0.01);
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(99, 1000, 100, 1.0, 0.1), 1.0);
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(100, 1000, 100, 1.0, 0.1), 1.0);
  EXPECT_NEAR(warmup_cosine_lr(550, 1000, 100, 1.0, 0.1), 0.55, 1e-12);  // halfway: (1 + 0.1) / 2
  EXPECT_NEAR(warmup_cosine_lr(1000, 1000, 100, 1.0, 0.1), 0.1, 1e-12);
  EXPECT_NEAR(warmup_cosine_lr(5000, 1000, 100, 1.0, 0.1), 0.1, 1e-12);  // past the end: stays at the floor
}
