#pragma once
// Tiny random Stable Diffusion checkpoints for the loader tests, written by
// tests/tools/make_tiny_sd.py (Debian's python3 with numpy and torch).
#include <filesystem>
#include <string>

namespace diffscope::support {

// Runs make_tiny_sd.py OUT ARGS; returns false (and says why in *why) when
// the script or ../shared cannot run here.
bool make_tiny_sd(const std::filesystem::path& out, const std::string& args, std::string* why);

}  // namespace diffscope::support
