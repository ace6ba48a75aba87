// A Stable Diffusion checkpoint in the window: opened into the model list,
// its options in the request, loading progress, cheap per-step previews with
// the VAE decode on demand, and the missing-tokenizer path. Tiny random
// checkpoints (tests/tools/make_tiny_sd.py) keep it fast.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include <QCheckBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>

#include "core/io/safetensors.h"
#include "core/models/sd/sd_bundle.h"
#include "core/models/sdxl/sdxl_bundle.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"
#include "tests/support/ui_test_support.h"
#include "ui/checkpoint_options.h"
#include "ui/controls_panel.h"
#include "ui/embedding_list.h"
#include "ui/lora_list.h"
#include "ui/main_window.h"
#include "ui/preview_panel.h"
#include "ui/run_controller.h"

using namespace diffscope;
using namespace diffscope::ui;

class CheckpointUi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here";
    } else {
      if (support::make_tiny_sd(*dir_ / "tiny.safetensors", "--family sd1", &why_)) {
        support::make_tiny_sd(*dir_ / "tiny_sd_turbo.safetensors", "--family sd1", &why_);
      }
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
    QSettings().clear();
    setenv("HOME", dir_->path().c_str(), 1);  // no Hugging Face cache to find a tokenizer in
    unsetenv("DIFFSCOPE_CLIP_TOKENIZER");
  }
  static QString checkpoint() { return QString::fromStdString((*dir_ / "tiny.safetensors").string()); }
  static QString vocabulary() { return QString::fromStdString(support::clip_vocabulary().string()); }

  // The window set to the tiny checkpoint at 64×64 with 3 steps.
  static void choose_checkpoint(MainWindow& window, bool with_tokenizer) {
    ControlsPanel* controls = window.controls();
    controls->addCheckpoint(checkpoint());
    Request r = controls->request();
    r.prompt = "a lovely cat";
    r.width = r.height = 64;
    r.steps = 3;
    r.seed = 5;
    r.precision = Precision::Float32;
    r.tokenizer = with_tokenizer ? vocabulary().toStdString() : "";
    controls->apply(r);
    if (!with_tokenizer) controls->checkpointOptions()->setTokenizer({});
  }
  static bool run(MainWindow& window) {
    QSignalSpy ended(&window, &MainWindow::runEnded);
    window.generate();
    return ended.wait(60000);
  }

  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* CheckpointUi::dir_ = nullptr;
std::string CheckpointUi::why_;

TEST_F(CheckpointUi, OptionsTravelInTheRequest) {
  CheckpointOptions options;
  Request r;
  r.vae = "/models/vae.safetensors";
  r.preview_decoder = "/models/taesd_decoder.safetensors";
  r.tokenizer = "/models/tokenizer";
  r.prediction = Prediction::V;
  r.clip_skip = 2;
  r.precision = Precision::BFloat16;
  options.apply(r);
  Request back;
  sd::CheckpointInfo checkpoint;
  checkpoint.path = "/models/model.safetensors";
  options.fill(back, SdBundle::describe(checkpoint, 0));  // a model with all of these settings
  EXPECT_EQ(back.vae, r.vae);
  EXPECT_EQ(back.preview_decoder, r.preview_decoder);
  EXPECT_EQ(back.tokenizer, r.tokenizer);
  EXPECT_EQ(back.prediction, Prediction::V);
  EXPECT_EQ(back.clip_skip, 2);
  EXPECT_EQ(back.precision, Precision::BFloat16);
  EXPECT_TRUE(back.size_conditioning.is_default());  // SD 1.x has none

  // SDXL's size conditioning: only for a model that takes it.
  r.size_conditioning.original_width = 2048, r.size_conditioning.crop_top = 64;
  // And its refiner, with A1111's two ways of placing the switch.
  r.refiner = "/models/refiner.safetensors";
  r.refiner_switch_at = 0.65;
  r.refiner_switch_by_steps = true;
  options.apply(r);
  sdxl::SdxlCheckpoint xl;
  xl.path = "/models/xl.safetensors";
  Request xl_back;
  options.fill(xl_back, SdxlBundle::describe(xl, 0, 32));
  EXPECT_EQ(xl_back.size_conditioning, r.size_conditioning);
  EXPECT_EQ(xl_back.refiner, r.refiner);
  EXPECT_DOUBLE_EQ(xl_back.refiner_switch_at, 0.65);
  EXPECT_TRUE(xl_back.refiner_switch_by_steps);
  options.setModel(SdxlBundle::describe(xl, 0, 32));
  support::save_screenshot(options, "checkpoint-options-sdxl");
  Request sd_back;
  options.fill(sd_back, SdBundle::describe(checkpoint, 0));
  EXPECT_TRUE(sd_back.size_conditioning.is_default());
}

TEST_F(CheckpointUi, CheckpointRunsWithCheapPreviewsAndDecodesAStepOnDemand) {
  MainWindow window;
  choose_checkpoint(window, true);
  EXPECT_EQ(window.controls()->request().model, checkpoint().toStdString());
  EXPECT_FALSE(window.controls()->checkpointOptions()->isHidden());
  QSignalSpy progress(window.runner(), &RunController::loadProgress);
  ASSERT_TRUE(run(window));
  ASSERT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();
  EXPECT_GT(progress.count(), 0);
  EXPECT_DOUBLE_EQ(progress.last().at(0).toDouble(), 1.0);

  PreviewPanel* preview = window.preview();
  ASSERT_EQ(preview->frames().size(), 3);
  const StepFrame& last = preview->frames().back();
  EXPECT_TRUE(last.approximate);
  // The cheap preview is the latent's projection, scaled to the image's size;
  // the last step's x̂0 is the run's image, decoded in full.
  EXPECT_EQ(last.x0.size(), QSize(64, 64));
  EXPECT_TRUE(last.x0_decoded);
  EXPECT_FALSE(last.xt_decoded);
  EXPECT_EQ(last.x0.convertToFormat(QImage::Format_RGB888),
            window.records().back().outcome.images.at(0).convertToFormat(QImage::Format_RGB888));
  const QImage cheap = preview->frames()[1].x0;
  preview->setMode(PreviewMode::X0);
  preview->showStep(1);
  EXPECT_TRUE(preview->shownIsApproximate());
  EXPECT_TRUE(preview->stepInfo().contains("approximate"));

  QSignalSpy decoded(window.runner(), &RunController::decoded);
  Q_EMIT preview->decodeRequested(1, PreviewMode::X0);
  ASSERT_TRUE(decoded.wait(30000));
  EXPECT_TRUE(decoded.last().at(2).toString().isEmpty()) << decoded.last().at(2).toString().toStdString();
  EXPECT_EQ(preview->frames()[1].x0.size(), QSize(64, 64));
  EXPECT_NE(preview->frames()[1].x0, cheap);  // the VAE's image replaced the projection
  EXPECT_TRUE(preview->frames()[1].x0_decoded);
  EXPECT_FALSE(preview->shownIsApproximate());
  EXPECT_TRUE(window.records().back().frames[1].x0_decoded);  // kept with the run
}

TEST_F(CheckpointUi, LoraRowsWriteThePromptsTagsAndTheRunMergesThem) {
  // A LoRA in the Lora/ folder beside the checkpoint is listed; ticking it
  // and moving its slider write A1111's tag, typing a tag ticks its row.
  const auto folder = *dir_ / "Lora";
  std::filesystem::create_directories(folder);
  std::string why;
  ASSERT_TRUE(support::make_tiny_lora(folder / "detail.safetensors", "--family sd1 --alpha 2", &why)) << why;
  MainWindow window;
  choose_checkpoint(window, true);
  LoraList* list = window.controls()->loraList();
  ASSERT_FALSE(list->isHidden());
  ASSERT_EQ(list->rowCount(), 1);  // the checkpoint beside it is not a LoRA
  QPlainTextEdit* prompt = window.controls()->promptEdit();
  list->checkBox("detail")->click();
  EXPECT_EQ(prompt->toPlainText(), "a lovely cat <lora:detail:1>");
  list->slider("detail")->setValue(-55);
  EXPECT_EQ(prompt->toPlainText(), "a lovely cat <lora:detail:-0.55>");
  prompt->document()->undo();  // the list's edits are ordinary edits
  EXPECT_EQ(prompt->toPlainText(), "a lovely cat <lora:detail:1>");
  list->checkBox("detail")->click();
  EXPECT_EQ(prompt->toPlainText(), "a lovely cat");
  prompt->setPlainText("a lovely cat <lora:detail:0.25>");
  EXPECT_TRUE(list->checkBox("detail")->isChecked());
  EXPECT_EQ(list->slider("detail")->value(), 25);

  ASSERT_TRUE(run(window));
  ASSERT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();
  const auto& loras = window.records().back().outcome.info.loras;
  ASSERT_EQ(loras.size(), 1u);
  EXPECT_DOUBLE_EQ(loras[0].use.unet_weight, 0.25);
  EXPECT_TRUE(window.records().back().plan.model_info.contains("LoRA detail ×0.25"))
      << window.records().back().plan.model_info.toStdString();
  support::save_screenshot(*window.controls(), "lora-list");
  // The built-in model takes none: the list goes away.
  Request builtin = window.controls()->request();
  builtin.model = kBuiltinModel;
  window.controls()->apply(builtin);
  EXPECT_TRUE(list->isHidden());
  std::filesystem::remove_all(folder);
}

TEST_F(CheckpointUi, EmbeddingRowsWriteNamesIntoEitherPromptAndTheRunReadsThem) {
  // embeddings/ beside the checkpoint: one for this model, one for SDXL
  // (greyed, with why), and a .pt that is no torch.save file (greyed too).
  const auto folder = *dir_ / "embeddings";
  std::filesystem::create_directories(folder);
  const int64_t width = SafetensorsFile::open(checkpoint().toStdString())
                            .entry("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight")
                            .shape.at(1);
  write_safetensors(folder / "fruit.safetensors", {{"emb_params", at::randn({2, width})}});
  write_safetensors(folder / "xl.safetensors", {{"clip_l", at::zeros({1, 768})}, {"clip_g", at::zeros({1, 1280})}});
  std::ofstream(folder / "badhand.pt") << "not an archive";
  MainWindow window;
  choose_checkpoint(window, true);
  EmbeddingList* list = window.controls()->embeddingList();
  ASSERT_FALSE(list->isHidden());
  ASSERT_EQ(list->rowCount(), 3);
  EXPECT_TRUE(list->promptBox("fruit")->isEnabled());
  EXPECT_FALSE(list->promptBox("xl")->isEnabled());
  EXPECT_FALSE(list->negativeBox("badhand")->isEnabled());
  QPlainTextEdit* prompt = window.controls()->promptEdit();
  QPlainTextEdit* negative = window.controls()->negativeEdit();
  list->negativeBox("fruit")->click();
  EXPECT_EQ(negative->toPlainText(), "fruit");
  list->negativeBox("fruit")->click();
  EXPECT_EQ(negative->toPlainText(), "");
  list->promptBox("fruit")->click();
  EXPECT_EQ(prompt->toPlainText(), "a lovely cat, fruit");
  prompt->setPlainText("(Fruit:1.2) on a table");  // typed: the box follows
  EXPECT_TRUE(list->promptBox("fruit")->isChecked());

  ASSERT_TRUE(run(window));
  ASSERT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();
  const auto& used = window.records().back().outcome.info.embeddings;
  ASSERT_EQ(used.size(), 1u);
  EXPECT_EQ(used[0].name, "fruit");
  support::save_screenshot(*window.controls(), "embedding-list");
  // Naming the broken one is a clear error, and nothing else is lost.
  prompt->setPlainText("badhand");
  EXPECT_TRUE(run(window));
  EXPECT_TRUE(window.lastMessage().contains("badhand.pt")) << window.lastMessage().toStdString();
  std::filesystem::remove_all(folder);
}

TEST_F(CheckpointUi, MissingTokenizerOffersToLocateIt) {
  MainWindow window;
  choose_checkpoint(window, false);
  ASSERT_TRUE(run(window));
  EXPECT_TRUE(window.lastMessage().contains("CLIP tokenizer")) << window.lastMessage().toStdString();
  bool offered = false;
  for (auto* button : window.findChildren<QPushButton*>()) {
    if (button->text().contains("tokenizer") && !button->isHidden()) offered = true;
  }
  EXPECT_TRUE(offered);
  QSignalSpy ended(&window, &MainWindow::runEnded);
  window.useTokenizer(vocabulary());
  ASSERT_TRUE(ended.wait(60000));
  EXPECT_TRUE(window.lastMessage().isEmpty()) << window.lastMessage().toStdString();
  EXPECT_EQ(window.records().size(), 1);
}

TEST_F(CheckpointUi, RecentCheckpointsComeBackNextSession) {
  {
    MainWindow window;
    choose_checkpoint(window, true);
    window.controls()->loraList()->setFolder("/loras/of/mine");
    window.controls()->embeddingList()->setFolder("/embeddings/of/mine");
    window.close();
  }
  MainWindow again;
  const Request request = again.controls()->request();
  EXPECT_EQ(request.model, checkpoint().toStdString());
  EXPECT_EQ(request.tokenizer, vocabulary().toStdString());
  EXPECT_EQ(request.lora_dirs, std::vector<std::string>{"/loras/of/mine"});
  EXPECT_EQ(request.embedding_dirs, std::vector<std::string>{"/embeddings/of/mine"});
}

TEST_F(CheckpointUi, AFewStepModelIsSetUpAsItsAuthorsRunItAndBackAgain) {
  MainWindow window;
  ControlsPanel* controls = window.controls();
  auto* note = controls->findChild<QLabel*>("fewStepNote");
  ASSERT_NE(note, nullptr);
  controls->addCheckpoint(QString::fromStdString((*dir_ / "tiny_sd_turbo.safetensors").string()));
  Request r = controls->request();
  EXPECT_EQ(r.steps, 1);
  EXPECT_EQ(r.sampler, SamplerId::EulerAncestral);
  EXPECT_EQ(r.spacing, Spacing::Trailing);
  EXPECT_EQ(r.cfg_scale, 1.0);
  EXPECT_EQ(r.width, 512);
  EXPECT_FALSE(note->isHidden());
  EXPECT_TRUE(note->text().contains("a few-step model (turbo, by its name): 1 step, Euler a"))
      << note->text().toStdString();
  support::save_screenshot(*controls, "few-step-model");

  // An ordinary checkpoint gets the usual settings back.
  controls->addCheckpoint(checkpoint());
  r = controls->request();
  EXPECT_EQ(r.steps, 20);
  EXPECT_EQ(r.sampler, SamplerId::Euler);
  EXPECT_FALSE(r.spacing.has_value());
  EXPECT_EQ(r.cfg_scale, 7.0);
  EXPECT_TRUE(note->isHidden());
}
