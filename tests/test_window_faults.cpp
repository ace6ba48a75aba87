// The window facing what strangers share and what disks do: every file of the
// hostile-file corpus (tests/tools/make_hostile_files.py) opened as a user
// would — a checkpoint or diffusers folder chosen and run, a tokenizer file
// set, a PNG dropped on the window — ends in a message that names the file,
// the window idle and usable, the process's peak memory within a few hundred
// MB of what a sound file cost, and no pickle's code run. A save onto a full
// disk (a 256 KB tmpfs the test mounts) says so and loses nothing: the run
// stays in the history and saves elsewhere afterwards.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <nlohmann/json.hpp>

#include <QSignalSpy>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/io/png_image.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"
#include "tests/support/ui_test_support.h"
#include "ui/checkpoint_options.h"
#include "ui/controls_panel.h"
#include "ui/main_window.h"

using namespace diffscope;
using namespace diffscope::ui;
namespace fs = std::filesystem;

namespace {

constexpr long kAllowedExtraKb = 300 * 1024;  // "a few hundred MB" beyond the sound run

QString q(const fs::path& path) { return QString::fromStdString(path.string()); }

// The process's peak resident memory so far (VmHWM), in KB.
long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

bool generate_and_wait(MainWindow& window) {
  QSignalSpy ended(&window, &MainWindow::runEnded);
  window.generate();
  return ended.wait(120000);
}

class WindowFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    if (!support::make_tiny_sd(*dir_ / "tiny.safetensors", "--family sd1", &why_)) return;
    if (!support::make_hostile_files(*dir_ / "corpus", marker(), &why_)) return;
    std::ifstream in(*dir_ / "corpus" / "cases.json");
    cases_ = new nlohmann::json(nlohmann::json::parse(in));
  }
  static void TearDownTestSuite() {
    delete cases_;
    delete dir_;
  }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }

  static fs::path marker() { return *dir_ / "PAYLOAD-RAN"; }
  static QString vocabulary() { return q(support::clip_vocabulary()); }

  // The window set to run `model` (a checkpoint file or folder) at 32×32, 1 step.
  static void choose(MainWindow& window, const QString& model, const QString& tokenizer) {
    ControlsPanel* controls = window.controls();
    controls->addCheckpoint(model);
    Request r = controls->request();
    r.prompt = "a cat";
    r.width = r.height = 32;
    r.steps = 1;
    r.seed = 3;
    r.precision = Precision::Float32;
    r.tokenizer = tokenizer.toStdString();
    controls->apply(r);
    controls->checkpointOptions()->setTokenizer(tokenizer);
  }

  // What a user does with a file of the case's kind; returns the window's message.
  static QString open_as_user(MainWindow& window, const std::string& kind, const fs::path& path) {
    if (kind == "png") {
      support::drop_file(&window, q(path));
      return window.lastMessage();
    }
    if (kind == "tokenizer") {
      choose(window, q(*dir_ / "tiny.safetensors"), q(path));
    } else {
      choose(window, q(path), vocabulary());
    }
    EXPECT_TRUE(generate_and_wait(window)) << "the run did not end";
    return window.lastMessage();
  }

  static support::TempDir* dir_;
  static nlohmann::json* cases_;
  static std::string why_;
};
support::TempDir* WindowFaults::dir_ = nullptr;
nlohmann::json* WindowFaults::cases_ = nullptr;
std::string WindowFaults::why_;

}  // namespace

TEST_F(WindowFaults, EveryHostileFileEndsInAMessageNamingIt) {
  MainWindow window;
  // The sound files first: the memory every hostile one is compared with.
  EXPECT_EQ(open_as_user(window, "safetensors", *dir_ / "tiny.safetensors"), "");
  const fs::path sound_png = *dir_ / "sound.png";
  write_png(sound_png, at::full({32, 32, 3}, 128, at::kByte), {{"parameters", "a cat\nSteps: 5, Seed: 1"}});
  EXPECT_TRUE(open_as_user(window, "png", sound_png).contains("Restored"));
  const long baseline_kb = peak_rss_kb();

  int opened = 0;
  for (const auto& entry : *cases_) {
    const std::string kind = entry["kind"], path = entry["path"], expect = entry["expect"];
    SCOPED_TRACE(kind + " " + path + " (" + std::string(entry["note"]) + ")");
    const QString message = open_as_user(window, kind, path);
    ++opened;
    EXPECT_FALSE(window.running());
    if (expect == "error" && kind != "safetensors-valid") {
      EXPECT_FALSE(message.isEmpty()) << "no message";
      EXPECT_TRUE(message.contains(QString::fromStdString(fs::path(path).filename().string())))
          << "the message does not name the file: " << message.toStdString();
    }
    EXPECT_LE(peak_rss_kb(), baseline_kb + kAllowedExtraKb) << "peak RSS " << peak_rss_kb() / 1024 << " MB";
  }
  EXPECT_GE(opened, 40);
  EXPECT_FALSE(fs::exists(marker())) << "a pickle's code ran";

  // Still usable: the sound checkpoint runs again.
  EXPECT_EQ(open_as_user(window, "safetensors", *dir_ / "tiny.safetensors"), "");
}

TEST_F(WindowFaults, AFullDiskSaysSoAndLosesNothing) {
  const fs::path small_disk = *dir_ / "small-disk";
  fs::create_directories(small_disk);
  if (mount("tmpfs", small_disk.c_str(), "tmpfs", 0, "size=256k") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN): " << std::strerror(errno);
  }
  struct Unmount {
    fs::path path;
    ~Unmount() { umount(path.c_str()); }
  } unmount{small_disk};
  {
    // Every block taken: a byte more fails.
    std::FILE* filler = std::fopen((small_disk / "filler.bin").c_str(), "wb");
    ASSERT_NE(filler, nullptr);
    std::setvbuf(filler, nullptr, _IONBF, 0);
    const std::string block(1024, 'x');
    while (std::fwrite(block.data(), 1, block.size(), filler) == block.size()) {
    }
    while (std::fputc('x', filler) != EOF) {
    }
    std::fclose(filler);
  }
  MainWindow window;
  window.controls()->apply(support::small_request("cat", 4));
  ASSERT_TRUE(generate_and_wait(window));
  ASSERT_EQ(window.records().size(), 1);

  EXPECT_FALSE(window.saveImageTo(q(small_disk / "cat.png")));
  EXPECT_TRUE(window.lastMessage().contains("No space left on device")) << window.lastMessage().toStdString();
  EXPECT_FALSE(fs::exists(small_disk / "cat.png"));
  // Nothing shown was lost: the run is still there and saves elsewhere.
  ASSERT_EQ(window.records().size(), 1);
  EXPECT_EQ(window.records().front().frames.size(), 4);
  EXPECT_TRUE(window.saveImageTo(q(*dir_ / "cat.png"))) << window.lastMessage().toStdString();
  EXPECT_EQ(read_png_text(*dir_ / "cat.png").count("parameters"), 1u);
}
