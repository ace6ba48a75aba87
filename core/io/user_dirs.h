#pragma once
// Where DiffScope keeps per-user data, following the XDG base directories.
#include <filesystem>

namespace diffscope {

// $DIFFSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/diffscope, else ~/.cache/diffscope.
// Created on first use.
std::filesystem::path user_cache_dir();

// $DIFFSCOPE_DATA_DIR, else $XDG_DATA_HOME/diffscope, else
// ~/.local/share/diffscope (LoRAs, downloaded models). Not created here;
// empty when neither is set.
std::filesystem::path user_data_dir();

}  // namespace diffscope
