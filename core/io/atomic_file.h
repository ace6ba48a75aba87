#pragma once
// Files appear complete or not at all: writers fill a uniquely named sibling
// ("name.partial-PID-N", so concurrent writers never share one) and rename it
// over the destination only when everything was written.
#include <filesystem>
#include <string>

namespace diffscope {

std::filesystem::path partial_path_for(const std::filesystem::path& destination);

// Renames the finished partial file onto the destination; on failure removes
// it and throws an Error naming the destination.
void commit_partial(const std::filesystem::path& partial, const std::filesystem::path& destination);

// Writes `text` through a partial file; a failed write (e.g. a full disk)
// leaves the destination as it was and throws an Error.
void write_file_atomically(const std::filesystem::path& destination, const std::string& text);

}  // namespace diffscope
