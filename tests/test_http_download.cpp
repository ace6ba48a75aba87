// Downloads against a real HTTP server on 127.0.0.1 (tests/tools/
// http_test_server.py): a full download verified by its SHA-256, a resume
// after a dropped connection (the server sees the range request), a server
// that ignores ranges, a wrong checksum refused and deleted, server errors
// reported, a cancel mid-way that leaves nothing behind, a pause that keeps
// the part for later.
#include "core/net/http_download.h"

#include <gtest/gtest.h>
#include <fstream>
#include <random>
#include <thread>

#include "core/common/errors.h"
#include "core/io/file_hash.h"
#include "tests/support/http_test_server.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

class HttpDownload : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = new support::TempDir;
    std::mt19937 random(7);
    std::string data(3 * 1024 * 1024 + 123, '\0');
    for (char& c : data) c = static_cast<char>(random());
    std::ofstream(*files_ / "model.safetensors", std::ios::binary) << data;
    sha256_ = sha256_file(*files_ / "model.safetensors");
    server_ = new support::HttpTestServer(files_->path());
    base_ = server_->base();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete files_;
  }
  void SetUp() override {
    if (base_.empty()) GTEST_SKIP() << "the test HTTP server did not start";
  }
  DownloadJob job(const std::string& kind) const {
    return {base_ + "/" + kind + "/model.safetensors", dir_ / "models" / "model.safetensors", sha256_};
  }
  std::string log() const { return server_->range_log(); }

  static support::TempDir* files_;
  static support::HttpTestServer* server_;
  static std::string base_, sha256_;
  support::TempDir dir_;
};
support::TempDir* HttpDownload::files_ = nullptr;
support::HttpTestServer* HttpDownload::server_ = nullptr;
std::string HttpDownload::base_, HttpDownload::sha256_;

TEST_F(HttpDownload, AFullDownloadIsVerifiedAndGetsItsName) {
  uint64_t last = 0, total = 0;
  const DownloadJob j = job("files");
  EXPECT_EQ(download_file(j, [&](const DownloadProgress& p) { last = p.done, total = p.total; }),
            DownloadEnd::Complete);
  EXPECT_EQ(sha256_file(j.destination), sha256_);
  EXPECT_FALSE(fs::exists(partial_path(j.destination)));
  EXPECT_EQ(last, fs::file_size(j.destination));
  EXPECT_EQ(total, fs::file_size(j.destination));
  // Already there: nothing to do. Another file in its place: refused, kept.
  EXPECT_EQ(download_file(j, {}), DownloadEnd::Complete);
  std::ofstream(j.destination) << "mine";
  EXPECT_THROW(download_file(j, {}), Error);
  EXPECT_EQ(fs::file_size(j.destination), 4u);
}

TEST_F(HttpDownload, ADroppedConnectionResumesWithARangeRequest) {
  const DownloadJob cut = job("cut");
  EXPECT_THROW(download_file(cut, {}), Error);
  const fs::path part = partial_path(cut.destination);
  ASSERT_TRUE(fs::exists(part));
  const uint64_t have = fs::file_size(part);
  EXPECT_GT(have, 0u);
  EXPECT_FALSE(fs::exists(cut.destination));  // never a half file under the real name
  EXPECT_EQ(download_file(job("files"), {}), DownloadEnd::Complete);
  EXPECT_EQ(sha256_file(cut.destination), sha256_);
  EXPECT_NE(log().find("bytes=" + std::to_string(have) + "-"), std::string::npos) << log();
}

TEST_F(HttpDownload, AServerThatIgnoresTheRangeStartsOver) {
  EXPECT_THROW(download_file(job("cut"), {}), Error);
  EXPECT_EQ(download_file(job("norange"), {}), DownloadEnd::Complete);
  EXPECT_EQ(sha256_file(job("files").destination), sha256_);
}

TEST_F(HttpDownload, AWrongChecksumIsRefusedAndNothingIsLeft) {
  DownloadJob j = job("files");
  j.sha256 = std::string(64, '0');
  try {
    download_file(j, {});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not match its checksum"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(j.destination));
  EXPECT_FALSE(fs::exists(partial_path(j.destination)));
}

TEST_F(HttpDownload, ServerErrorsAreReported) {
  for (const char* code : {"500", "404", "403"}) {
    DownloadJob j{base_ + "/status/" + code, dir_ / "x.safetensors", sha256_};
    try {
      download_file(j, {});
      ADD_FAILURE() << "no error for " << code;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(code), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(partial_path(j.destination)));
  }
  EXPECT_THROW(download_file({"ftp://127.0.0.1/x", dir_ / "y.safetensors", sha256_}, {}), Error);
  EXPECT_THROW(download_file({"http://127.0.0.1:1/x", dir_ / "y.safetensors", sha256_}, {}), Error);  // refused
}

TEST_F(HttpDownload, ACancelMidwayLeavesNothingBehind) {
  CancelToken cancel;
  const DownloadJob j = job("slow");
  EXPECT_THROW(download_file(
                   j,
                   [&](const DownloadProgress& p) {
                     if (p.done > 200000) cancel.cancel();
                   },
                   cancel),
               Cancelled);
  EXPECT_FALSE(fs::exists(j.destination));
  EXPECT_FALSE(fs::exists(partial_path(j.destination)));
}

TEST_F(HttpDownload, APauseKeepsThePartAndTheNextRunFinishesIt) {
  CancelToken pause;
  const DownloadJob j = job("slow");
  EXPECT_EQ(download_file(
                j,
                [&](const DownloadProgress& p) {
                  if (p.done > 200000) pause.cancel();
                },
                {}, pause),
            DownloadEnd::Paused);
  ASSERT_TRUE(fs::exists(partial_path(j.destination)));
  const uint64_t have = fs::file_size(partial_path(j.destination));
  EXPECT_GT(have, 200000u);
  EXPECT_LT(have, fs::file_size(*files_ / "model.safetensors"));
  EXPECT_EQ(download_file(job("files"), {}), DownloadEnd::Complete);
  EXPECT_EQ(sha256_file(j.destination), sha256_);
}
