#include "core/net/http_download.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

#include "core/common/errors.h"
#include "core/io/file_hash.h"

namespace diffscope {
namespace fs = std::filesystem;
namespace {

struct Transfer {
  std::FILE* file = nullptr;
  uint64_t resumed_from = 0;  // bytes the .part had when this transfer started
  bool write_failed = false;
  const CancelToken* cancel = nullptr;
  const CancelToken* pause = nullptr;
  const std::function<void(const DownloadProgress&)>* progress = nullptr;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (std::fwrite(data, 1, bytes, transfer->file) != bytes) {
    transfer->write_failed = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  return bytes;
}

int report_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->cancel->cancelled() || transfer->pause->cancelled()) return 1;  // abort the transfer
  if (*transfer->progress) {
    DownloadProgress p;
    p.done = transfer->resumed_from + static_cast<uint64_t>(now);
    p.total = total > 0 ? transfer->resumed_from + static_cast<uint64_t>(total) : 0;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - transfer->start).count();
    p.bytes_per_second = seconds > 0.2 ? static_cast<double>(now) / seconds : 0.0;
    if (p.total > 0 && p.bytes_per_second > 0)
      p.eta_seconds = static_cast<double>(p.total - p.done) / p.bytes_per_second;
    (*transfer->progress)(p);
  }
  return 0;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

uint64_t file_size_or_zero(const fs::path& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? 0 : static_cast<uint64_t>(size);
}

// The .part checked against the expected hash: renamed into place, or removed.
void finish(const fs::path& part, const DownloadJob& job) {
  const std::string actual = sha256_file(part);
  if (actual != job.sha256) {
    fs::remove(part);
    throw Error("the download of " + job.url + " does not match its checksum (SHA-256 " + actual + ", expected " +
                job.sha256 + "); the file was deleted");
  }
  fs::rename(part, job.destination);
}

}  // namespace

fs::path partial_path(const fs::path& destination) { return fs::path(destination.string() + ".part"); }

DownloadEnd download_file(const DownloadJob& job, const std::function<void(const DownloadProgress&)>& progress,
                          const CancelToken& cancel, const CancelToken& pause) {
  if (job.url.rfind("https://", 0) != 0 && job.url.rfind("http://", 0) != 0) {
    throw Error("only http:// and https:// downloads are allowed (" + job.url + ")");
  }
  if (job.sha256.size() != 64) throw Error("a download needs the file's SHA-256 (" + job.url + ")");
  std::error_code exists_error;
  if (fs::exists(job.destination, exists_error)) {
    if (sha256_file(job.destination) == job.sha256) return DownloadEnd::Complete;
    throw Error(job.destination.string() + " already exists with other contents; move it away first");
  }
  fs::create_directories(job.destination.parent_path());
  const fs::path part = partial_path(job.destination);
  global_init();

  for (int attempt = 0; attempt < 2; ++attempt) {  // a second time when the server ignores the range
    Transfer transfer;
    transfer.resumed_from = file_size_or_zero(part);
    transfer.cancel = &cancel;
    transfer.pause = &pause;
    transfer.progress = &progress;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(part.c_str(), "ab"), &std::fclose);
    if (!file) throw Error("cannot write " + part.string());
    transfer.file = file.get();

    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) throw Error("libcurl could not start");
    char error_text[CURL_ERROR_SIZE] = {};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, job.url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: protocols by name (the bitmask is deprecated there)
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);  // stalled for a minute: an error, resumable
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "DiffScope/0.1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &write_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &report_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
    if (transfer.resumed_from > 0) {
      curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(transfer.resumed_from));
    }
    const CURLcode result = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    file.reset();  // flushed and closed before the .part is judged

    if (cancel.cancelled()) {
      fs::remove(part);
      throw Cancelled();
    }
    if (pause.cancelled()) return DownloadEnd::Paused;
    if (transfer.write_failed) {
      throw Error("cannot write " + part.string() + " (disk full?); " +
                  "the part written so far is kept, and the download resumes from it");
    }
    if (transfer.resumed_from > 0 && status == 416) {
      // The range starts at the end: the .part may already be whole.
      finish(part, job);
      return DownloadEnd::Complete;
    }
    if (transfer.resumed_from > 0 && (result == CURLE_RANGE_ERROR || (result == CURLE_OK && status == 200))) {
      // The server does not resume (or sent the whole file after our part): start over.
      fs::remove(part);
      continue;
    }
    if (result != CURLE_OK) {
      if (file_size_or_zero(part) == 0) fs::remove(part);
      const std::string why = error_text[0] != '\0' ? error_text : curl_easy_strerror(result);
      throw Error("the download of " + job.url + " failed: " + why +
                  (fs::exists(part) ? "; it resumes from where it stopped when started again" : ""));
    }
    finish(part, job);
    return DownloadEnd::Complete;
  }
  throw Error("the server of " + job.url + " does not resume downloads consistently");
}

}  // namespace diffscope
