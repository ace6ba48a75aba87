// The hostile-file corpus (tests/tools/make_hostile_files.py: 55 broken,
// truncated, absurd or malicious files) through the real CLI as a user would
// run it — inspect, generate -m, generate -i (img2img), forward -i,
// --tokenizer, a diffusers folder. Each must end in exit code 1 with a message
// naming the file (or, for well-formed files a command may accept, exit 0),
// never a signal or a hang, and cost at most a few hundred MB more than the
// same command on a sound file; the pickles' payload, proven live by the
// generator, must never run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <ATen/ATen.h>

#include "core/io/png_image.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace diffscope;

namespace {

constexpr long kAllowedExtraKb = 300 * 1024;  // "a few hundred MB" beyond the sound file's run
constexpr int kTimeoutSeconds = 120;

struct Outcome {
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;
  long max_rss_kb = 0;
  std::string output;
};

// Runs the CLI with `args` (no shell), capturing its output and its own peak RSS.
Outcome run_cli(const std::vector<std::string>& args, const fs::path& output_file) {
  std::vector<std::string> argv_strings = {support::cli_path()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  Outcome outcome;
  int status = 0;
  rusage usage{};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
  while (wait4(pid, &status, WNOHANG, &usage) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      outcome.timed_out = true;
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  outcome.max_rss_kb = usage.ru_maxrss;
  std::ifstream in(output_file);
  std::stringstream text;
  text << in.rdbuf();
  outcome.output = text.str();
  return outcome;
}

class HostileFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    if (!support::make_tiny_sd(tiny(), "--family sd1", &why_)) return;
    if (!support::make_hostile_files(corpus(), marker(), &why_)) return;
    std::ifstream in(corpus() / "cases.json");
    cases_ = new nlohmann::json(nlohmann::json::parse(in));
    write_png(*dir_ / "sound.png", at::full({32, 32, 3}, 128, at::kByte));
  }
  static void TearDownTestSuite() {
    delete cases_;
    delete dir_;
  }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }

  static fs::path tiny() { return *dir_ / "tiny.safetensors"; }
  static fs::path corpus() { return *dir_ / "corpus"; }
  static fs::path marker() { return *dir_ / "PAYLOAD-RAN"; }
  static std::string vocabulary() { return support::clip_vocabulary().string(); }

  // The commands that read a file of `kind`.
  static std::vector<std::vector<std::string>> commands(const std::string& kind, const std::string& path) {
    const std::string out = (*dir_ / "out.png").string();
    const std::vector<std::string> tiny_run = {"generate", "-p", "x",      "-s", "1",           "-W", "32",
                                               "-H",       "32", "--seed", "1",  "--overwrite", "-o", out};
    auto with = [&](std::vector<std::string> extra) {
      std::vector<std::string> args = tiny_run;
      args.insert(args.end(), extra.begin(), extra.end());
      return args;
    };
    if (kind == "safetensors" || kind == "pickle" || kind == "safetensors-valid") {
      return {{"inspect", path}, with({"-m", path, "--tokenizer", vocabulary()})};
    }
    if (kind == "png") {
      // The third reads the PNG's parameters text (to branch from it) and,
      // without --at-step, stops right after: the parser alone.
      return {with({"-m", tiny().string(), "--tokenizer", vocabulary(), "-i", path}),
              {"forward", "-i", path, "--overwrite", "-o", out},
              {"generate", "--from", path, "--overwrite", "-o", out}};
    }
    if (kind == "tokenizer") return {with({"-m", tiny().string(), "--tokenizer", path})};
    if (kind == "diffusers") return {with({"-m", path})};
    ADD_FAILURE() << "unknown kind " << kind;
    return {};
  }

  // Peak RSS of a kind's command `index` on a sound input (the tiny checkpoint,
  // a 32×32 PNG, CLIP's vocabulary): what the hostile run is compared with.
  static long baseline_kb(const std::string& kind, size_t index) {
    static std::map<std::pair<std::string, size_t>, long> cache;
    const auto key = std::make_pair(kind, index);
    if (cache.count(key)) return cache[key];
    std::vector<std::vector<std::string>> sound;
    if (kind == "png") {
      sound = commands("png", (*dir_ / "sound.png").string());
    } else if (kind == "tokenizer") {
      sound = commands("tokenizer", vocabulary());
    } else {
      sound = commands("safetensors", tiny().string());
      if (kind == "diffusers") sound = {sound[1]};
    }
    const Outcome outcome = run_cli(sound.at(index), *dir_ / "baseline.txt");
    // The sound PNG holds no parameters: branching from it is refused, after
    // reading it whole.
    const bool refused_branch = kind == "png" && sound.at(index).at(1) == "--from";
    EXPECT_EQ(outcome.exit_code, refused_branch ? 1 : 0) << "the sound run failed: " << outcome.output;
    return cache[key] = outcome.max_rss_kb;
  }

  static void check_kind(const std::string& kind) {
    int count = 0;
    for (const auto& entry : *cases_) {
      if (entry["kind"] != kind && !(kind == "safetensors" && entry["kind"] == "safetensors-valid")) continue;
      const std::string path = entry["path"], expect = entry["expect"];
      const auto runs = commands(entry["kind"], path);
      for (size_t index = 0; index < runs.size(); ++index) {
        const auto& args = runs[index];
        std::string line;
        for (const auto& a : args) line += a + " ";
        SCOPED_TRACE(line + "(" + std::string(entry["note"]) + ")");
        const Outcome outcome = run_cli(args, *dir_ / "output.txt");
        EXPECT_FALSE(outcome.timed_out) << "hung";
        EXPECT_EQ(outcome.signal, 0) << "killed by signal " << outcome.signal << ": " << outcome.output;
        const bool refusal_expected =
            expect == "error" && !(entry["kind"] == "safetensors-valid" && args[0] == "inspect");
        if (refusal_expected) {
          EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
          EXPECT_NE(outcome.output.find("error: "), std::string::npos) << outcome.output;
          EXPECT_NE(outcome.output.find(fs::path(path).filename().string()), std::string::npos)
              << "the message does not name the file: " << outcome.output;
        } else {
          EXPECT_TRUE(outcome.exit_code == 0 || outcome.exit_code == 1) << outcome.output;
        }
        EXPECT_LE(outcome.max_rss_kb, baseline_kb(entry["kind"], index) + kAllowedExtraKb)
            << "peak RSS " << outcome.max_rss_kb / 1024 << " MB";
        ++count;
      }
    }
    EXPECT_GT(count, 0);
    EXPECT_FALSE(fs::exists(marker())) << "a pickle's code ran";
  }

  static support::TempDir* dir_;
  static nlohmann::json* cases_;
  static std::string why_;
};
support::TempDir* HostileFiles::dir_ = nullptr;
nlohmann::json* HostileFiles::cases_ = nullptr;
std::string HostileFiles::why_;

}  // namespace

TEST_F(HostileFiles, TheCorpusCoversEveryKind) {
  EXPECT_GE(cases_->size(), 40u);
  std::map<std::string, int> kinds;
  for (const auto& entry : *cases_) ++kinds[entry["kind"]];
  for (const char* kind : {"safetensors", "pickle", "png", "tokenizer", "diffusers"}) EXPECT_GT(kinds[kind], 0) << kind;
}

TEST_F(HostileFiles, SafetensorsFilesAreRefusedByName) { check_kind("safetensors"); }
TEST_F(HostileFiles, PicklesAreRefusedAndNeverRun) { check_kind("pickle"); }
TEST_F(HostileFiles, PngsAreRefusedOrReadWithinBounds) { check_kind("png"); }
TEST_F(HostileFiles, TokenizerFilesAreRefusedByName) { check_kind("tokenizer"); }
TEST_F(HostileFiles, DiffusersFoldersAreRefusedByName) { check_kind("diffusers"); }
