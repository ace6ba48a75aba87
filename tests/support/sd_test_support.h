#pragma once
// Tiny random Stable Diffusion checkpoints for the loader tests, written by
// tests/tools/make_tiny_sd.py (Debian's python3 with numpy and torch).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace diffscope::support {

// Runs make_tiny_sd.py OUT ARGS; returns false (and says why in *why) when
// the script or ../shared cannot run here.
bool make_tiny_sd(const std::filesystem::path& out, const std::string& args, std::string* why);

// Runs make_hostile_files.py OUT MARKER (the hostile-file corpus and OUT/cases.json).
bool make_hostile_files(const std::filesystem::path& out, const std::filesystem::path& marker, std::string* why);

// Runs make_torch_pickles.py OUT MARKER (torch.save files in OUT; one asks
// os.system to create MARKER); false with *why when it cannot run.
bool make_torch_pickles(const std::filesystem::path& out, const std::filesystem::path& marker, std::string* why);

// Runs make_tiny_lora.py OUT ARGS (a random LoRA and OUT.json, the tensor
// each of its modules must change); false with *why when it cannot run.
bool make_tiny_lora(const std::filesystem::path& out, const std::string& args, std::string* why);

// Runs make_tiny_taesd.py DECODER REFERENCE ARGS (a random TAESD decoder and
// PyTorch's output for a random latent); false with *why when it cannot run.
bool make_tiny_taesd(const std::filesystem::path& decoder, const std::filesystem::path& reference,
                     const std::string& args, std::string* why);

// A full-size random-weight checkpoint written by ../shared/tools/<script>
// (Debian's python3-torch) into the test cache ($DIFFSCOPE_CACHE_DIR) as
// `file_name`, made when it is absent or not `bytes` long; empty with *why
// set when it cannot be made.
std::filesystem::path random_checkpoint(const std::string& script, const std::string& file_name, uintmax_t bytes,
                                        std::string* why);

// PSNR in dB between two images of 8-bit values.
double psnr_8bit(const at::Tensor& a, const at::Tensor& b);

// The largest difference relative to the reference's largest value (infinity
// when the shapes differ): for comparing a piece with another implementation
// of it, where both compute in float32 and only summation order differs.
double relative_max_error(const at::Tensor& ours, const at::Tensor& reference);
// What relative_max_error may be for such a comparison: summation order
// leaves about 1e-6 on the tiny checkpoints; a wrong convention 1e-2 or more.
inline constexpr double kOtherImplementationTolerance = 1e-4;

// The references in tests/data (tests/tools/make_*_references.py) hold for
// the exact weights they were made from: "" when `checkpoint`'s sha256 is
// `recorded_sha256`, else which file changed and which script to run again.
std::string reference_checkpoint_changed(const std::filesystem::path& checkpoint, const std::string& recorded_sha256,
                                         const std::string& script);

// Where a diffusers folder's parts differ from `layout_json` — {part: {name:
// [shape, fingerprint]}}, what diffusers' own converter wrote for the same
// weights (tests/tools/make_sdxl_references.py) — one line per difference;
// empty when every part holds exactly those names, shapes and values.
std::string diffusers_layout_differences(const std::filesystem::path& folder, const std::string& layout_json);

}  // namespace diffscope::support
