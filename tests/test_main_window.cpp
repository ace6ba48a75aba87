// The whole window, driven as a user would: real widgets, the real worker and
// engine, real files.
#include "ui/main_window.h"

#include <ATen/ATen.h>
#include <gif_lib.h>
#include <gtest/gtest.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTest>

#include <fstream>

#include "core/io/png_image.h"
#include "core/pipeline/parameters_parse.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/request_limits.h"
#include "core/schedule/spacing.h"
#include "tests/support/test_support.h"
#include "tests/support/ui_test_support.h"
#include "ui/checkpoint_options.h"
#include "ui/controls_panel.h"
#include "ui/history_panel.h"
#include "ui/preview_panel.h"
#include "ui/run_controller.h"
#include "ui/schedule_chart.h"

using namespace diffscope;
using namespace diffscope::ui;
using diffscope::support::small_request;

namespace {

// The settings a PNG must carry and a drop must restore.
void expect_same_settings(const Request& actual, const Request& asked) {
  EXPECT_EQ(actual.prompt, asked.prompt);
  EXPECT_EQ(actual.negative_prompt, asked.negative_prompt);
  EXPECT_EQ(actual.sampler, asked.sampler);
  EXPECT_EQ(actual.spacing, asked.spacing);
  EXPECT_EQ(actual.cfg_scale, asked.cfg_scale);
  EXPECT_EQ(actual.eta, asked.eta);
  EXPECT_EQ(actual.seed, asked.seed);
  EXPECT_EQ(actual.steps, asked.steps);
  EXPECT_EQ(actual.width, asked.width);
  EXPECT_EQ(actual.height, asked.height);
}


QString q(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

}  // namespace

TEST(MainWindow, GenerationShowsEveryStepAndScrubbingShowsThatStep) {
  MainWindow window;
  window.controls()->apply(small_request("cat", 8));
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  EXPECT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();
  const auto& frames = window.preview()->frames();
  ASSERT_EQ(frames.size(), 8);
  EXPECT_EQ(window.preview()->shownStep(), 7);  // followed the run live
  EXPECT_EQ(window.scheduleChart()->markedSteps(), 8);
  EXPECT_EQ(window.history()->runCount(), 1);

  window.preview()->showStep(3);
  EXPECT_EQ(window.preview()->shownStep(), 3);
  EXPECT_TRUE(window.preview()->stepInfo().startsWith("Step 4 of 8"));
  EXPECT_EQ(window.preview()->shownImage(), frames[3].xt);
  window.preview()->setMode(PreviewMode::X0);
  EXPECT_EQ(window.preview()->shownImage(), frames[3].x0);
  window.preview()->setMode(PreviewMode::Eps);
  EXPECT_EQ(window.preview()->shownImage(), frames[3].eps);
  window.preview()->setMode(PreviewMode::Candidates);
  EXPECT_EQ(window.preview()->shownImage(), frames[3].candidates.front().image);
}

// The spacing box shows A1111's schedule-type labels and keeps DiffScope's names.
TEST(MainWindow, SpacingBoxShowsScheduleTypeLabels) {
  MainWindow window;
  auto* spacing = window.controls()->findChild<QComboBox*>("spacing");
  ASSERT_NE(spacing, nullptr);
  ASSERT_EQ(spacing->count(), int(spacing_names().size()) + 1);
  EXPECT_EQ(spacing->itemText(spacing->findData("auto")), "Automatic");
  EXPECT_EQ(spacing->itemText(spacing->findData("linspace")), "Uniform");
  Request asked = small_request("cat", 4);
  asked.spacing = Spacing::AlignYourSteps;
  window.controls()->apply(asked);
  EXPECT_EQ(spacing->currentText(), "Align Your Steps");
  EXPECT_EQ(window.controls()->request().spacing, Spacing::AlignYourSteps);
  spacing->setCurrentIndex(spacing->findData("auto"));
  EXPECT_FALSE(window.controls()->request().spacing.has_value());
}

// Before the first run the schedule chart marks where the planned steps land
// and follows the settings; once a run is shown it keeps that run's steps.
TEST(MainWindow, ScheduleChartShowsThePlanUntilARunIsShown) {
  MainWindow window;
  window.controls()->apply(small_request("cat", 7));
  EXPECT_EQ(window.scheduleChart()->markedSteps(), 7);
  Request ays = small_request("cat", 10);
  ays.model = "diffscope-emoji";  // SD's schedule: NVIDIA's SD 1.5 levels
  ays.width = ays.height = 64;
  ays.spacing = Spacing::AlignYourSteps;
  window.controls()->apply(ays);
  EXPECT_EQ(window.scheduleChart()->markedSteps(), 10);
  Request refused = small_request("cat", 10);  // the oracle's DDPM schedule has no such list
  refused.spacing = Spacing::AlignYourSteps;
  window.controls()->apply(refused);
  EXPECT_EQ(window.scheduleChart()->markedSteps(), 0);
  window.controls()->apply(small_request("cat", 5));
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  window.controls()->apply(small_request("cat", 9));
  EXPECT_EQ(window.scheduleChart()->markedSteps(), 5);
}

TEST(MainWindow, SavedPngParametersParseBackAndDroppingRestoresThem) {
  support::TempDir dir;
  MainWindow window;
  Request asked = small_request("cat, face: happy\nzweite Zeile — 猫", 6);
  asked.negative_prompt = "dog, \"angry\"";
  asked.sampler = SamplerId::EulerAncestral;
  asked.spacing = Spacing::Karras;
  asked.cfg_scale = 2.5;
  asked.eta = 0.7;
  window.controls()->apply(asked);
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  ASSERT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();

  const auto path = dir / "saved.png";
  ASSERT_TRUE(window.saveImageTo(q(path)));
  const auto text = read_png_text(path);
  ASSERT_EQ(text.count("parameters"), 1u);
  const Request parsed = parse_parameters(text.at("parameters")).request;
  expect_same_settings(parsed, asked);

  // Never overwrite without being asked.
  const auto size_before = std::filesystem::file_size(path);
  EXPECT_FALSE(window.saveImageTo(q(path)));
  EXPECT_TRUE(window.lastMessage().contains("already exists")) << window.lastMessage().toStdString();
  EXPECT_EQ(std::filesystem::file_size(path), size_before);

  window.controls()->apply(small_request("something else", 30));
  support::drop_file(&window, q(path));
  EXPECT_TRUE(window.lastMessage().contains("Restored")) << window.lastMessage().toStdString();
  const Request restored = window.controls()->request();
  expect_same_settings(restored, asked);
}

TEST(MainWindow, ExportsTheChainWithOneFramePerStep) {
  support::TempDir dir;
  MainWindow window;
  window.controls()->apply(small_request("cat", 5));
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  ASSERT_TRUE(window.exportChain(q(dir / "chain.gif"))) << window.lastMessage().toStdString();
  int error = 0;
  GifFileType* gif = DGifOpenFileName((dir / "chain.gif").c_str(), &error);
  ASSERT_NE(gif, nullptr);
  ASSERT_EQ(DGifSlurp(gif), GIF_OK);
  EXPECT_EQ(gif->ImageCount, 5);
  DGifCloseFile(gif, &error);
  ASSERT_TRUE(window.exportChain(q(dir / "chain.mp4")));
  EXPECT_GT(std::filesystem::file_size(dir / "chain.mp4"), 0u);
  EXPECT_FALSE(window.exportChain(q(dir / "chain.txt")));
}

TEST(MainWindow, BadFilesGiveMessagesNotCrashes) {
  support::TempDir dir;
  MainWindow window;
  write_png(dir / "plain.png", at::zeros({4, 4, 3}, at::kByte));
  EXPECT_FALSE(window.restoreFromPng(q(dir / "plain.png")));
  EXPECT_TRUE(window.lastMessage().contains("no generation parameters"));
  std::ofstream(dir / "broken.png") << "\x89PNG\r\n\x1a\n truncated";
  EXPECT_FALSE(window.restoreFromPng(q(dir / "broken.png")));
  EXPECT_FALSE(window.lastMessage().isEmpty());
  // Absurd restored settings reach the form clamped, each with a warning.
  write_png(dir / "absurd.png", at::zeros({4, 4, 3}, at::kByte),
            {{"parameters", "x\nSteps: 5000, Sampler: Euler, CFG scale: nan, Seed: 1, Size: 64x64"}});
  EXPECT_TRUE(window.restoreFromPng(q(dir / "absurd.png")));
  EXPECT_EQ(window.controls()->request().steps, 1000);
  EXPECT_TRUE(window.lastMessage().contains("Steps 5000 is outside 1–1000: set to 1000"))
      << window.lastMessage().toStdString();
  EXPECT_TRUE(window.lastMessage().contains("CFG scale nan is not a number")) << window.lastMessage().toStdString();
  EXPECT_FALSE(window.saveImageTo(q(dir / "nothing.png")));  // nothing generated yet
  EXPECT_FALSE(std::filesystem::exists(dir / "nothing.png"));

  window.controls()->apply(small_request("qqzxv", 4));
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  EXPECT_FALSE(window.lastMessage().isEmpty());
  EXPECT_FALSE(window.running());
}

TEST(MainWindow, CtrlEnterGeneratesAndEscapeCancels) {
  MainWindow window;
  window.controls()->apply(small_request("cat", 1000));
  window.show();
  QApplication::setActiveWindow(&window);
  ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
  window.controls()->promptEdit()->setFocus();
  QSignalSpy ended(&window, &MainWindow::runEnded);
  QSignalSpy steps(window.runner(), &RunController::step);
  QTest::keyClick(window.controls()->promptEdit(), Qt::Key_Return, Qt::ControlModifier);
  ASSERT_TRUE(steps.wait(30000)) << "Ctrl+Enter did not start a run";
  QTest::keyClick(window.controls()->promptEdit(), Qt::Key_Escape);
  ASSERT_TRUE(ended.count() == 1 || ended.wait(5000)) << "Esc did not cancel";
  EXPECT_TRUE(window.lastMessage().contains("Cancelled"));
  EXPECT_EQ(window.history()->runCount(), 0);
}

TEST(MainWindow, RestartReplacesTheRunAndHistoryRestores) {
  MainWindow window;
  window.controls()->apply(small_request("cat", 1000));
  QSignalSpy steps(window.runner(), &RunController::step);
  QSignalSpy ended(&window, &MainWindow::runEnded);
  window.generate();
  ASSERT_TRUE(steps.wait(30000));
  window.controls()->apply(small_request("dog", 4));
  window.generate();  // restart
  while (ended.count() == 0) ASSERT_TRUE(ended.wait(60000));
  EXPECT_EQ(window.preview()->frames().size(), 4);
  ASSERT_EQ(window.records().size(), 1);
  EXPECT_EQ(window.records().front().outcome.request.prompt, "dog");

  window.controls()->apply(small_request("cat", 3));
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  ASSERT_EQ(window.history()->runCount(), 2);
  window.restoreRun(0);
  EXPECT_EQ(window.controls()->request().prompt, "dog");
  EXPECT_EQ(window.preview()->frames().size(), 4);
}

TEST(MainWindow, ClosingMidRunExitsCleanly) {
  auto window = std::make_unique<MainWindow>();
  window->controls()->apply(small_request("cat", 1000));
  QSignalSpy steps(window->runner(), &RunController::step);
  window->generate();
  ASSERT_TRUE(steps.wait(30000));
  EXPECT_TRUE(window->close());
  EXPECT_FALSE(window->running());
  window.reset();
}

TEST(MainWindow, SettingsPersistAcrossSessions) {
  {
    MainWindow first;
    Request r = small_request("rocket\nto the moon", 42);
    r.sampler = SamplerId::Heun;
    r.width = 48;
    first.controls()->apply(r);
    first.close();  // saves the settings (QStandardPaths test mode: not the user's file)
  }
  MainWindow second;
  const Request restored = second.controls()->request();
  EXPECT_EQ(restored.prompt, "rocket\nto the moon");
  EXPECT_EQ(restored.steps, 42);
  EXPECT_EQ(restored.sampler, SamplerId::Heun);
  EXPECT_EQ(restored.width, 48);
}

TEST(MainWindow, LookingAtHistoryDuringARunKeepsItsSteps) {
  MainWindow window;
  window.controls()->apply(small_request("cat", 3));
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  window.controls()->apply(small_request("dog", 1000));
  QSignalSpy steps(window.runner(), &RunController::step);
  QSignalSpy ended(&window, &MainWindow::runEnded);
  window.generate();
  ASSERT_TRUE(steps.wait(30000));
  window.restoreRun(0);
  while (steps.count() < 5) ASSERT_TRUE(steps.wait(30000));
  EXPECT_EQ(window.preview()->frames().size(), 3);  // the old run's steps only
  window.cancel();
  EXPECT_TRUE(ended.count() == 1 || ended.wait(5000));
}

TEST(MainWindow, TheBuiltInModelIsTheDefaultAndEveryPreviewModeWorksWithIt) {
  MainWindow window;
  Request r;  // defaults: the built-in latent model
  r.prompt = "grinning face";
  r.steps = 5;
  r.device = parse_device("cpu");
  window.controls()->apply(r);
  EXPECT_EQ(window.controls()->request().model, "diffscope-emoji");
  EXPECT_EQ(window.controls()->request().cfg_scale, 4.0);  // the model's own default guidance
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  EXPECT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();
  const auto& frames = window.preview()->frames();
  ASSERT_EQ(frames.size(), 5);
  window.preview()->showStep(2);
  // x_t and x̂0 are latents decoded to 64×64 images; x_t at step 2 is still
  // noisier than x̂0, so the two differ.
  EXPECT_EQ(frames[2].xt.size(), QSize(64, 64));
  EXPECT_EQ(frames[2].x0.size(), QSize(64, 64));
  EXPECT_NE(frames[2].xt, frames[2].x0);
  // ε̂ and the latents: the 4 latent channels as 16×16 tiles.
  EXPECT_GT(frames[2].latents.width(), 16);
  EXPECT_LT(frames[2].latents.width(), 64);
  EXPECT_EQ(frames[2].eps.size(), frames[2].latents.size());
  for (PreviewMode mode : {PreviewMode::Xt, PreviewMode::X0, PreviewMode::Eps, PreviewMode::Latents}) {
    window.preview()->setMode(mode);
    EXPECT_FALSE(window.preview()->shownImage().isNull()) << int(mode);
  }
  window.preview()->setMode(PreviewMode::Candidates);  // the oracle's only: refused
  EXPECT_NE(window.preview()->mode(), PreviewMode::Candidates);
  EXPECT_EQ(window.history()->runCount(), 1);

  // Its small operators run on one intra-op thread, leaving a core to the UI.
  bool one_thread = false;
  for (auto* label : window.findChildren<QLabel*>()) one_thread |= label->text() == "Device: CPU (1 thread)";
  EXPECT_TRUE(one_thread);

  // Steps are previewed by the distilled preview decoder, and say so; the
  // last step's x̂0 is the run's image from the real decoder.
  EXPECT_TRUE(frames[2].approximate);
  EXPECT_EQ(frames[2].approximation, "fast preview decoder");
  window.preview()->setMode(PreviewMode::X0);
  window.preview()->showStep(2);
  EXPECT_TRUE(window.preview()->stepInfo().contains("fast preview decoder"));
  EXPECT_TRUE(frames.back().x0_decoded);
  EXPECT_EQ(frames.back().x0.convertToFormat(QImage::Format_RGB888),
            window.records().back().outcome.images.at(0).convertToFormat(QImage::Format_RGB888));
  // Any other step decodes with the real decoder on demand.
  const QImage fast = frames[2].x0;
  QSignalSpy decoded(window.runner(), &RunController::decoded);
  Q_EMIT window.preview()->decodeRequested(2, PreviewMode::X0);
  ASSERT_TRUE(decoded.wait(30000));
  EXPECT_TRUE(window.preview()->frames()[2].x0_decoded);
  EXPECT_NE(window.preview()->frames()[2].x0, fast);
  EXPECT_FALSE(window.preview()->shownIsApproximate());
}

TEST(MainWindow, ControlsTakeTheEngineLimitsAndTheModelsOwnRules) {
  MainWindow window;
  ControlsPanel* controls = window.controls();
  // What the engine accepts, the form accepts (it once stopped at batch 16 and CFG 30).
  Request r = small_request("cat", 5);
  r.batch = limits::kMaxBatch;
  r.cfg_scale = 50.0;
  r.steps = limits::kMaxSteps;
  controls->apply(r);
  EXPECT_EQ(controls->request().batch, limits::kMaxBatch);
  EXPECT_EQ(controls->request().cfg_scale, 50.0);
  EXPECT_EQ(controls->request().steps, limits::kMaxSteps);
  r.batch = limits::kMaxBatch + 1;  // and no more
  controls->apply(r);
  EXPECT_EQ(controls->request().batch, limits::kMaxBatch);

  // The oracle takes any size from 8 to 128 and any schedule …
  r = small_request("cat", 5);
  r.width = 40;
  r.height = 24;
  r.schedule = "cosine";
  controls->apply(r);
  EXPECT_EQ(controls->modelInfo().kind, ModelKind::Oracle);
  EXPECT_EQ(controls->request().width, 40);
  EXPECT_EQ(controls->request().schedule, "cosine");
  // … the built-in model draws its own size with its own schedule, guided by its own default.
  Request builtin;
  controls->apply(builtin);
  EXPECT_EQ(controls->modelInfo().kind, ModelKind::BuiltIn);
  EXPECT_EQ(controls->request().width, 64);
  EXPECT_EQ(controls->request().height, 64);
  EXPECT_EQ(controls->request().schedule, "auto");
  EXPECT_EQ(controls->request().cfg_scale, controls->modelInfo().default_cfg);
  EXPECT_TRUE(controls->checkpointOptions()->isHidden());
  // Whatever the form holds, the plan (and the memory shown) comes from the same rules.
  EXPECT_NO_THROW(Pipeline::plan(controls->request()));
}

TEST(MainWindow, TheBuiltInModelReadsAPromptAsItsNearestCaptionUnlessAskedNotTo) {
  support::TempDir dir;
  MainWindow window;
  ControlsPanel* controls = window.controls();
  auto* as_written = controls->findChild<QCheckBox*>("promptAsWritten");
  ASSERT_NE(as_written, nullptr);
  Request r;  // the built-in model
  r.prompt = "a happy puppy, noto";
  r.steps = 3;
  r.device = parse_device("cpu");
  controls->apply(r);
  EXPECT_FALSE(as_written->isHidden());
  EXPECT_FALSE(controls->request().prompt_as_written);
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  EXPECT_TRUE(window.lastMessage().contains("read as the nearest caption the model was trained on: dog"))
      << window.lastMessage().toStdString();

  // Ticked: the prompt's own words, no caption.
  as_written->setChecked(true);
  EXPECT_TRUE(controls->request().prompt_as_written);
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  EXPECT_FALSE(window.lastMessage().contains("nearest caption")) << window.lastMessage().toStdString();
  // The PNG says so, and dropping it back restores the box.
  const auto path = dir / "as-written.png";
  ASSERT_TRUE(window.saveImageTo(q(path)));
  EXPECT_NE(read_png_text(path).at("parameters").find("DiffScope prompt as written: True"), std::string::npos);
  as_written->setChecked(false);
  support::drop_file(&window, q(path));
  EXPECT_TRUE(as_written->isChecked());

  // The oracle always reads prompts as written: no box, nothing asked.
  controls->apply(small_request("cat", 3));
  EXPECT_TRUE(as_written->isHidden());
  EXPECT_FALSE(controls->request().prompt_as_written);
}
