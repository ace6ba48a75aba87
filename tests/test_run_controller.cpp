// The worker thread and the controller, with the real engine and the oracle
// model (at 16×16 so that each step takes a few milliseconds).
#include "ui/run_controller.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QSignalSpy>

#include <atomic>

#include "tests/support/ui_test_support.h"

using namespace diffscope;
using namespace diffscope::ui;
using diffscope::support::small_request;

namespace {

// Waits until the controller has nothing left to do.
void wait_idle(RunController& controller, QSignalSpy& idle, int timeout_ms = 60000) {
  if (!controller.workerBusy()) return;
  ASSERT_TRUE(idle.wait(timeout_ms)) << "the worker did not return";
}

}  // namespace

TEST(RunController, DeliversOneFramePerStepInOrder) {
  RunController controller;
  QSignalSpy started(&controller, &RunController::started);
  QSignalSpy steps(&controller, &RunController::step);
  QSignalSpy finished(&controller, &RunController::finished);
  QSignalSpy idle(&controller, &RunController::idle);
  controller.start(small_request("cat", 12));
  wait_idle(controller, idle);
  ASSERT_EQ(finished.count(), 1);
  ASSERT_EQ(started.count(), 1);
  const auto plan = started.front().front().value<RunPlan>();
  EXPECT_EQ(plan.timesteps.size(), 12u);
  EXPECT_TRUE(plan.info.weighs_training_images);
  ASSERT_EQ(steps.count(), 12);
  for (int i = 0; i < 12; ++i) {
    const auto frame = steps.at(i).front().value<StepFrame>();
    EXPECT_EQ(frame.index, i);
    EXPECT_EQ(frame.total, 12);
    EXPECT_EQ(frame.xt.size(), QSize(16, 16));
    EXPECT_FALSE(frame.x0.isNull());
    EXPECT_FALSE(frame.eps.isNull());
    EXPECT_FALSE(frame.candidates.isEmpty());
    EXPECT_LE(frame.candidates.front().weight, 1.0 + 1e-9);
  }
  const auto outcome = finished.front().front().value<RunOutcome>();
  EXPECT_EQ(outcome.images.size(), 1);
  EXPECT_EQ(outcome.request.spacing, spacing_by_name(sampler_by_name("euler").default_spacing));  // "auto" resolved
}

TEST(RunController, CancelStopsWithinOneStep) {
  RunController controller;
  std::atomic<int> worker_steps{0};
  // Counted on the worker thread itself, as the steps are computed.
  QObject::connect(
      controller.worker(), &GenerationWorker::stepReady, controller.worker(),
      [&](quint64, const StepFrame&) { ++worker_steps; }, Qt::DirectConnection);
  QSignalSpy steps(&controller, &RunController::step);
  QSignalSpy cancelled(&controller, &RunController::cancelled);
  QSignalSpy finished(&controller, &RunController::finished);
  QSignalSpy idle(&controller, &RunController::idle);
  Request r = small_request("cat", 1000);
  r.sampler = SamplerId::Ddpm;
  controller.start(r);
  while (steps.count() < 3) ASSERT_TRUE(steps.wait(30000));
  controller.cancel();
  const int at_cancel = worker_steps.load();
  const int delivered = int(steps.count());
  wait_idle(controller, idle);
  EXPECT_LE(worker_steps.load(), at_cancel + 1) << "the worker went on after the cancel";
  EXPECT_EQ(steps.count(), delivered) << "a cancelled run's step reached the view";
  EXPECT_EQ(cancelled.count(), 1);
  EXPECT_EQ(finished.count(), 0);
  EXPECT_FALSE(controller.running());
}

TEST(RunController, RestartDropsTheStaleRunsEvents) {
  RunController controller;
  QSignalSpy started(&controller, &RunController::started);
  QSignalSpy steps(&controller, &RunController::step);
  QSignalSpy finished(&controller, &RunController::finished);
  QSignalSpy cancelled(&controller, &RunController::cancelled);
  QSignalSpy idle(&controller, &RunController::idle);
  controller.start(small_request("cat", 1000));
  while (steps.count() < 2) ASSERT_TRUE(steps.wait(30000));
  const int before_restart = int(steps.count());
  controller.start(small_request("dog", 5));
  wait_idle(controller, idle);
  // Everything after the restart belongs to the new run.
  ASSERT_EQ(steps.count(), before_restart + 5);
  for (int i = before_restart; i < steps.count(); ++i) {
    const auto frame = steps.at(i).front().value<StepFrame>();
    EXPECT_EQ(frame.total, 5);
    EXPECT_EQ(frame.index, i - before_restart);
  }
  ASSERT_EQ(finished.count(), 1);
  EXPECT_EQ(finished.front().front().value<RunOutcome>().request.prompt, "dog");
  EXPECT_EQ(started.count(), 2);
  EXPECT_EQ(cancelled.count(), 0);  // a restart is not reported as a cancel
}

TEST(RunController, ReportsFailuresAsMessages) {
  RunController controller;
  QSignalSpy failed(&controller, &RunController::failed);
  QSignalSpy idle(&controller, &RunController::idle);
  Request r = small_request("cat", 5);
  r.model = "no-such-model";
  controller.start(r);
  wait_idle(controller, idle);
  ASSERT_EQ(failed.count(), 1);
  EXPECT_TRUE(failed.front().front().toString().contains("unknown model"));

  r = small_request("qqzxv", 5);
  controller.start(r);
  wait_idle(controller, idle);
  ASSERT_EQ(failed.count(), 2);
}

TEST(RunController, ShutdownMidRunReturnsPromptly) {
  auto controller = std::make_unique<RunController>();
  QSignalSpy steps(controller.get(), &RunController::step);
  Request r = small_request("cat", 1000);
  controller->start(r);
  ASSERT_TRUE(steps.wait(30000));
  controller->shutdown();
  EXPECT_FALSE(controller->running());
  controller.reset();  // no crash, no hang
}

TEST(TorchErrors, NameCudaOutOfMemory) {
  EXPECT_TRUE(
      describe_torch_error("CUDA out of memory. Tried to allocate 2.00 GiB\nstack").startsWith("The GPU ran out"));
  EXPECT_EQ(describe_torch_error("shape mismatch\nat foo.cpp"), "LibTorch error: shape mismatch");
}
