#pragma once
// Downloading one large file over HTTP(S) with libcurl: into NAME.part beside
// the destination (a name no model search matches), resuming a .part left by a
// pause, a lost connection or a restart with an HTTP range request, verifying
// the SHA-256 before the file takes its real name. A cancel deletes the .part,
// a pause keeps it; a checksum mismatch deletes it and says so.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/common/cancel_token.h"

namespace diffscope {

struct DownloadJob {
  std::string url;                    // http:// or https:// only
  std::filesystem::path destination;  // the finished file
  std::string sha256;                 // lower-case hex, required
};

struct DownloadProgress {
  uint64_t done = 0, total = 0;  // bytes; total 0 while unknown
  double bytes_per_second = 0;   // over this transfer
  double eta_seconds = -1;       // −1 while unknown
};

enum class DownloadEnd { Complete, Paused };

// The partial file a download writes to.
std::filesystem::path partial_path(const std::filesystem::path& destination);

// Downloads `job` (see above). Returns Complete when the destination holds the
// verified file (at once if it already does), Paused when `pause` fired;
// throws Cancelled when `cancel` fired (the .part removed), Error for a
// server error, a lost connection (the .part kept to resume), a full disk, a
// checksum mismatch, or a destination that exists with other contents.
DownloadEnd download_file(const DownloadJob& job, const std::function<void(const DownloadProgress&)>& progress,
                          const CancelToken& cancel = {}, const CancelToken& pause = {});

}  // namespace diffscope
