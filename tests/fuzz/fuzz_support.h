#pragma once
// What every fuzz target shares: the input as a file (most readers take a
// path), and the rule the targets enforce — hostile input may only end in a
// diffscope::Error (the message a user sees). Any other exception, like a
// crash, sanitizer report, leak or hang, is a finding: it aborts the run.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace diffscope::fuzz {

// A per-process scratch folder in /dev/shm (or the temp folder), removed at exit.
const std::filesystem::path& scratch_dir();

// Writes `data` to scratch_dir()/name and returns the path.
std::filesystem::path write_input(const std::string& name, std::string_view data);

// Runs `read`; a diffscope::Error is the expected refusal. Anything else
// thrown prints what and aborts (libFuzzer saves the input as a crash).
void expect_clean(const std::function<void()>& read);

// Splits an input into up to `parts` pieces at "\n=====\n" separators (for
// readers of several files: vocab.json and merges.txt, a folder's configs).
std::vector<std::string_view> split_parts(std::string_view data, size_t parts);

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace diffscope::fuzz
