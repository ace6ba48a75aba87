// The real RunController and GenerationWorker driven through random
// generate / cancel / restart / close sequences with random delays, on all
// three model kinds (the oracle, the built-in model, a tiny random Stable
// Diffusion checkpoint) and a request that fails. Checked as the signals
// arrive: no stale frame reaches the view, every step of a run arrives once
// and in order, and every run the view asked for ends in exactly one of
// finished / cancelled / failed (or is replaced by the next Generate, or the
// window closes); on the worker thread, every run ends exactly once and
// nothing follows its end. A sequence that does not come back is a deadlock.
// The TSan build runs 1,000 sequences (scripts/sanitize.sh); the ordinary
// suite fewer. DIFFSCOPE_STRESS_SEQUENCES and DIFFSCOPE_STRESS_SEED change them.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTest>

#include <algorithm>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"
#include "tests/support/ui_test_support.h"
#include "ui/run_controller.h"

using namespace diffscope;
using namespace diffscope::ui;

namespace {

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] != '\0' ? std::atoi(value) : fallback;
}

enum class Kind { Oracle, BuiltIn, StableDiffusion, Broken };
const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Oracle: return "oracle";
    case Kind::BuiltIn: return "built-in";
    case Kind::StableDiffusion: return "sd";
    case Kind::Broken: return "broken";
  }
  return "?";
}

// A run as the view (the UI thread) sees it.
struct ViewRun {
  Kind kind = Kind::Oracle;
  int steps = 0;
  std::string prompt;
  bool started = false;
  int frames = 0;
  int ends = 0;
};

// What the worker thread emitted, per run id (written there, read here after
// the worker is idle or joined).
struct WorkerLog {
  std::mutex mutex;
  struct Run {
    int started = 0, steps = 0, ends = 0;
  };
  std::map<quint64, Run> runs;
  std::vector<std::string> problems;

  void note(quint64 id, const char* what) {
    std::lock_guard lock(mutex);
    Run& run = runs[id];
    if (run.ends > 0) problems.push_back("worker run " + std::to_string(id) + ": " + what + " after its end");
    if (std::string(what) == "started" && ++run.started > 1) problems.push_back("worker run started twice");
    if (std::string(what) == "step") ++run.steps;
    if (std::string(what) == "end") ++run.ends;
  }
  // Every run that began has ended exactly once (after the worker returned).
  void check_all_ended(std::vector<std::string>& out) {
    std::lock_guard lock(mutex);
    for (const auto& [id, run] : runs) {
      if (run.ends != 1) out.push_back("worker run " + std::to_string(id) + " ended " + std::to_string(run.ends) + " times");
    }
    out.insert(out.end(), problems.begin(), problems.end());
    problems.clear();
    runs.clear();
  }
};

class RunStress : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      sd_missing_ = "../shared/data/clip is not here";
    } else if (!support::make_tiny_sd(*dir_ / "tiny.safetensors", "--family sd1", &sd_missing_)) {
      if (sd_missing_.empty()) sd_missing_ = "make_tiny_sd.py failed";
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  void open() {
    controller_ = std::make_unique<RunController>();
    runs_.clear();
    live_ = -1;
    unused_steps_.clear();
    // Step counts are unique within one controller's life: a frame of an
    // older run would show up as a count the live run does not have.
    for (int steps = 2; steps <= 17; ++steps) unused_steps_.push_back(steps);
    std::shuffle(unused_steps_.begin(), unused_steps_.end(), rng_);
    GenerationWorker* worker = controller_->worker();
    auto direct = Qt::DirectConnection;
    QObject::connect(worker, &GenerationWorker::runStarted, worker, [this](quint64 id, const RunPlan&) {
      log_.note(id, "started");
    }, direct);
    QObject::connect(worker, &GenerationWorker::stepReady, worker, [this](quint64 id, const StepFrame&) {
      log_.note(id, "step");
    }, direct);
    QObject::connect(worker, &GenerationWorker::runFinished, worker, [this](quint64 id, const RunOutcome&) {
      log_.note(id, "end");
    }, direct);
    QObject::connect(worker, &GenerationWorker::runFailed, worker, [this](quint64 id, const QString&) {
      log_.note(id, "end");
    }, direct);
    QObject::connect(worker, &GenerationWorker::runCancelled, worker, [this](quint64 id) { log_.note(id, "end"); },
                     direct);

    RunController* c = controller_.get();
    QObject::connect(c, &RunController::started, c, [this](const RunPlan& plan) {
      ViewRun* run = live("started");
      if (run == nullptr) return;
      if (run->started) problem("a run started twice");
      if (plan.request.steps != run->steps || plan.request.prompt != run->prompt) problem("started() of another run");
      run->started = true;
    });
    QObject::connect(c, &RunController::step, c, [this](const StepFrame& frame) {
      ViewRun* run = live("a step");
      if (run == nullptr) return;
      if (!run->started) problem("a step before started()");
      if (frame.total != run->steps) {
        problem("a stale frame: " + std::to_string(frame.total) + " steps, the live run has " +
                std::to_string(run->steps));
      } else if (frame.index != run->frames) {
        problem("step " + std::to_string(frame.index) + " where " + std::to_string(run->frames) + " was due");
      }
      ++run->frames;
    });
    QObject::connect(c, &RunController::finished, c, [this](const RunOutcome& outcome) {
      ViewRun* run = end("finished");
      if (run == nullptr) return;
      if (run->kind == Kind::Broken) problem("a broken request finished");
      if (outcome.request.prompt != run->prompt || outcome.request.steps != run->steps) problem("finished() of another run");
      if (run->frames != run->steps) problem("finished after " + std::to_string(run->frames) + " of its steps");
      if (outcome.images.size() != 1) problem("finished without its image");
    });
    QObject::connect(c, &RunController::failed, c, [this](const QString& message) {
      ViewRun* run = end("failed");
      if (run != nullptr && run->kind != Kind::Broken) {
        problem(std::string("a ") + kind_name(run->kind) + " run failed: " + message.toStdString());
      }
    });
    QObject::connect(c, &RunController::cancelled, c, [this] { end("cancelled"); });
  }

  void close() {
    controller_->shutdown();  // the live run, if any, ends with the window
    controller_.reset();
    live_ = -1;
    log_.check_all_ended(problems_);  // joined: everything the worker began has ended
  }

  Request request(Kind kind, int steps) {
    Request r = support::small_request("cat", steps);  // the oracle at 16×16
    if (kind == Kind::BuiltIn) {
      r.model = "diffscope-emoji";
      r.width = r.height = 64;
      r.cfg_scale = 3.0;
    } else if (kind == Kind::StableDiffusion) {
      r.model = (*dir_ / "tiny.safetensors").string();
      r.tokenizer = support::clip_vocabulary().string();
      r.prompt = "a cat";
      r.width = r.height = 32;
      r.cfg_scale = 2.0;
      r.precision = Precision::Float32;
    } else if (kind == Kind::Broken) {
      r.model = "no-such-model";
    }
    r.seed = rng_() % 1000;
    r.prompt += " " + std::to_string(++prompt_number_);
    return r;
  }

  void start() {
    // Mostly the cheap kinds: 1,000 sequences must fit in CI's TSan step.
    const int roll = int(rng_() % 100);
    Kind kind = roll < 62 ? Kind::Oracle : roll < 80 ? Kind::BuiltIn : roll < 93 ? Kind::Broken : Kind::StableDiffusion;
    if (kind == Kind::StableDiffusion && !sd_missing_.empty()) kind = Kind::Oracle;
    ++kind_count_[kind];
    if (unused_steps_.empty()) {
      close();
      open();
    }
    // The checkpoint's steps cost the most (~0.1 s each): it takes the fewest.
    auto pick = kind == Kind::StableDiffusion ? std::min_element(unused_steps_.begin(), unused_steps_.end())
                                              : unused_steps_.end() - 1;
    const int steps = *pick;
    unused_steps_.erase(pick);
    const Request r = request(kind, steps);
    live_ = -1;  // a live run is replaced: it ends with no signal
    runs_.push_back({kind, steps, r.prompt});
    live_ = int(runs_.size()) - 1;
    controller_->start(r);
  }

  void cancel() {
    controller_->cancel();
    // cancelled() comes within cancel() itself for a run the view waits on.
    if (live_ >= 0) problem("cancel() left the run going");
  }

  // Waits until the worker has returned; false when it does not (a deadlock).
  bool settle() {
    QElapsedTimer clock;
    clock.start();
    while (controller_->workerBusy()) {
      if (clock.elapsed() > 120000) return false;
      QTest::qWait(2);
    }
    QCoreApplication::processEvents();
    if (live_ >= 0) problem("the worker is idle but the live run never ended");
    log_.check_all_ended(problems_);
    return true;
  }

  ViewRun* live(const char* what) {
    if (live_ < 0) {
      problem(std::string(what) + " with no run live");
      return nullptr;
    }
    return &runs_[live_];
  }
  ViewRun* end(const char* how) {
    ViewRun* run = live(how);
    if (run == nullptr) return nullptr;
    ++run->ends;
    live_ = -1;
    ++end_count_[how];
    return run;
  }
  void problem(const std::string& what) {
    problems_.push_back("sequence " + std::to_string(sequence_) + ": " + what);
  }

  static support::TempDir* dir_;
  static std::string sd_missing_;
  std::mt19937 rng_;
  std::unique_ptr<RunController> controller_;
  std::vector<ViewRun> runs_;
  int live_ = -1;
  std::vector<int> unused_steps_;
  int prompt_number_ = 0;
  int sequence_ = 0;
  WorkerLog log_;
  std::vector<std::string> problems_;
  std::map<Kind, int> kind_count_;
  std::map<std::string, int> end_count_;
};
support::TempDir* RunStress::dir_ = nullptr;
std::string RunStress::sd_missing_;

}  // namespace

TEST_F(RunStress, RandomGenerateCancelRestartCloseSequences) {
  const int sequences = env_int("DIFFSCOPE_STRESS_SEQUENCES", 150);
  const unsigned seed = unsigned(env_int("DIFFSCOPE_STRESS_SEED", 20261204));
  rng_.seed(seed);
  std::printf("%d sequences, seed %u%s\n", sequences, seed,
              sd_missing_.empty() ? "" : (" (no Stable Diffusion kind: " + sd_missing_ + ")").c_str());
  open();
  int closes = 0, cancels = 0, restarts = 0;
  QElapsedTimer clock;
  clock.start();
  for (sequence_ = 0; sequence_ < sequences && problems_.size() < 20; ++sequence_) {
    const int actions = 1 + int(rng_() % 6);
    for (int a = 0; a < actions; ++a) {
      const int roll = int(rng_() % 100);
      if (roll < 40) {
        if (controller_->running()) ++restarts;
        start();
      } else if (roll < 55) {
        ++cancels;
        cancel();
      } else if (roll < 60) {
        QCoreApplication::processEvents();  // delivered events, no waiting
      } else {
        QTest::qWait(int(rng_() % 25));  // events delivered meanwhile, as in the window
      }
    }
    // Each sequence ends with the window closed, a cancel, or the run left to end.
    const int ending = int(rng_() % 100);
    if (ending < 10) {
      ++closes;
      close();
      open();
      continue;
    }
    if (ending < 45) {
      ++cancels;
      cancel();
    }
    if (!settle()) {
      const ViewRun* run = live_ >= 0 ? &runs_[live_] : nullptr;
      problem(std::string("the worker did not return within 120 s (deadlock?); live run: ") +
              (run ? std::string(kind_name(run->kind)) + ", " + std::to_string(run->frames) + " of " +
                         std::to_string(run->steps) + " steps"
                   : "none"));
      break;
    }
  }
  close();
  std::printf("%d sequences in %.1f s: %d restarts, %d cancels, %d closes; runs:", sequence_,
              clock.elapsed() / 1000.0, restarts, cancels, closes);
  for (const auto& [kind, count] : kind_count_) std::printf(" %s %d", kind_name(kind), count);
  std::printf("; ends:");
  for (const auto& [how, count] : end_count_) std::printf(" %s %d", how.c_str(), count);
  std::printf("\n");
  for (const std::string& p : problems_) ADD_FAILURE() << p;
  // The sequences reached every outcome, or they proved little.
  EXPECT_GT(end_count_["finished"], 0);
  EXPECT_GT(end_count_["cancelled"], 0);
  EXPECT_GT(end_count_["failed"], 0);
}
