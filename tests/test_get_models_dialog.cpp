// Model → Get models… driven as a user would, offscreen, against a real HTTP
// server on 127.0.0.1 and a catalog naming it ($DIFFSCOPE_MODEL_CATALOG):
// the licence must be accepted first, a download ends verified under its
// name, a pause leaves a part that Resume finishes, a wrong checksum is an
// error that leaves nothing, and the window adds a downloaded checkpoint to
// its model list.
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <fstream>
#include <random>

#include "core/io/file_hash.h"
#include "tests/support/http_test_server.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"
#include "tests/support/ui_test_support.h"
#include "ui/controls_panel.h"
#include "ui/get_models_dialog.h"
#include "ui/main_window.h"

using namespace diffscope;
using namespace diffscope::ui;
namespace fs = std::filesystem;

class GetModelsDialogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 random(3);
    std::string data(2 * 1024 * 1024, '\0');
    for (char& c : data) c = static_cast<char>(random());
    std::ofstream(files_ / "weights.safetensors", std::ios::binary) << data;
    server_ = std::make_unique<support::HttpTestServer>(files_.path());
    if (!server_->running()) GTEST_SKIP() << "the test HTTP server did not start";
    const std::string sha = sha256_file(files_ / "weights.safetensors");
    auto entry = [&](const std::string& name, const std::string& kind, const std::string& path, bool accept,
                     const std::string& hash) {
      return R"({"name":")" + name + R"(","title":")" + name + R"(","family":"SD 1.x","kind":")" + kind +
             R"(","good_for":"tests","licence":"Test licence","licence_url":"https://example.org/licence",)" +
             R"("accept":)" + (accept ? "true" : "false") + R"(,"size":"2 MB","file":")" + name +
             R"(.safetensors","url":")" + server_->base() + path + R"(","sha256":")" + hash + R"("})";
    };
    std::ofstream(files_ / "catalog.json")
        << "{\"models\":[" << entry("checkpoint", "checkpoint", "/files/weights.safetensors", true, sha) << ","
        << entry("slow", "lora", "/slow/weights.safetensors", false, sha) << ","
        << entry("broken", "taesd", "/files/weights.safetensors", false, std::string(64, 'a')) << "]}";
    setenv("DIFFSCOPE_MODEL_CATALOG", (files_ / "catalog.json").c_str(), 1);
  }
  void TearDown() override { unsetenv("DIFFSCOPE_MODEL_CATALOG"); }
  bool download(GetModelsDialog& dialog) {
    QSignalSpy ended(&dialog, &GetModelsDialog::downloadEnded);
    dialog.downloadButton()->click();
    return ended.wait(30000);
  }

  support::TempDir files_, data_;
  std::unique_ptr<support::HttpTestServer> server_;
};

TEST_F(GetModelsDialogTest, TheLicenceIsAcceptedBeforeAVerifiedDownload) {
  GetModelsDialog dialog(QString::fromStdString(data_.path().string()));
  ASSERT_EQ(dialog.list()->count(), 3);
  dialog.list()->setCurrentRow(0);
  EXPECT_FALSE(dialog.downloadButton()->isEnabled());  // the licence first
  dialog.acceptBox()->click();
  ASSERT_TRUE(dialog.downloadButton()->isEnabled());
  QSignalSpy done(&dialog, &GetModelsDialog::downloaded);
  ASSERT_TRUE(download(dialog));
  ASSERT_EQ(done.count(), 1);
  EXPECT_EQ(done.first().at(1).toString(), "checkpoint");
  const fs::path path = data_ / "models" / "checkpoint.safetensors";
  EXPECT_EQ(done.first().at(0).toString().toStdString(), path.string());
  EXPECT_EQ(sha256_file(path), sha256_file(files_ / "weights.safetensors"));
  EXPECT_EQ(dialog.stateOf(0), "installed");
  EXPECT_FALSE(dialog.downloadButton()->isEnabled());  // nothing left to do
}

TEST_F(GetModelsDialogTest, PauseKeepsThePartAndResumeFinishesIt) {
  GetModelsDialog dialog(QString::fromStdString(data_.path().string()));
  dialog.list()->setCurrentRow(1);
  QSignalSpy ended(&dialog, &GetModelsDialog::downloadEnded);
  dialog.downloadButton()->click();
  EXPECT_TRUE(dialog.pauseButton()->isEnabled());
  EXPECT_FALSE(dialog.list()->isEnabled());
  QTest::qWait(300);  // the slow path sends 64 KiB every 20 ms
  dialog.pauseButton()->click();
  ASSERT_TRUE(ended.wait(30000));
  EXPECT_EQ(dialog.stateOf(1), "paused");
  support::save_screenshot(dialog, "get-models-paused");
  EXPECT_EQ(dialog.downloadButton()->text(), "Resume");
  EXPECT_FALSE(fs::exists(data_ / "loras" / "slow.safetensors"));
  ASSERT_TRUE(download(dialog));  // Resume
  EXPECT_EQ(dialog.stateOf(1), "installed");
  EXPECT_EQ(sha256_file(data_ / "loras" / "slow.safetensors"), sha256_file(files_ / "weights.safetensors"));
}

TEST_F(GetModelsDialogTest, CancelDeletesARunningOrPausedDownloadsPart) {
  GetModelsDialog dialog(QString::fromStdString(data_.path().string()));
  dialog.list()->setCurrentRow(1);
  for (const bool pause_first : {false, true}) {
    QSignalSpy ended(&dialog, &GetModelsDialog::downloadEnded);
    dialog.downloadButton()->click();
    QTest::qWait(200);
    (pause_first ? dialog.pauseButton() : dialog.cancelButton())->click();
    ASSERT_TRUE(ended.wait(30000));
    if (pause_first) {
      ASSERT_EQ(dialog.stateOf(1), "paused");
      ASSERT_TRUE(dialog.cancelButton()->isEnabled());
      dialog.cancelButton()->click();
    }
    EXPECT_EQ(dialog.stateOf(1), "");
    EXPECT_FALSE(fs::exists(data_ / "loras" / "slow.safetensors.part"));
  }
}

TEST_F(GetModelsDialogTest, AWrongChecksumIsAnErrorAndLeavesNothing) {
  GetModelsDialog dialog(QString::fromStdString(data_.path().string()));
  dialog.list()->setCurrentRow(2);
  QSignalSpy ended(&dialog, &GetModelsDialog::downloadEnded);
  dialog.downloadButton()->click();
  ASSERT_TRUE(ended.wait(30000));
  EXPECT_TRUE(ended.first().at(1).toBool());
  EXPECT_TRUE(ended.first().at(0).toString().contains("checksum"));
  EXPECT_EQ(dialog.stateOf(2), "");
  EXPECT_TRUE(fs::is_empty(data_ / "taesd"));
}

TEST_F(GetModelsDialogTest, TheWindowListsADownloadedCheckpoint) {
  setenv("DIFFSCOPE_DATA_DIR", data_.path().c_str(), 1);
  MainWindow window;
  GetModelsDialog* dialog = window.openGetModels();
  dialog->list()->setCurrentRow(0);
  dialog->acceptBox()->click();
  ASSERT_TRUE(download(*dialog));
  EXPECT_EQ(window.controls()->request().model, (data_ / "models" / "checkpoint.safetensors").string());
  unsetenv("DIFFSCOPE_DATA_DIR");
}
