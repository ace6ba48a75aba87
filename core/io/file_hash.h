#pragma once
// SHA-256 of files (OpenSSL's libcrypto), read in 1 MiB blocks.
#include <cstdint>
#include <filesystem>
#include <string>

namespace diffscope {

// Lower-case hex SHA-256 of the file's bytes from `offset` on; Error when it
// cannot be read.
std::string sha256_file(const std::filesystem::path& path, uint64_t offset = 0);

}  // namespace diffscope
