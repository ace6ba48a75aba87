#pragma once
// Where DiffScope keeps per-user data, following the XDG base directories.
#include <filesystem>

namespace diffscope {

// $DIFFSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/diffscope, else ~/.cache/diffscope.
// Created on first use.
std::filesystem::path user_cache_dir();

}  // namespace diffscope
