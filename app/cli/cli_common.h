#pragma once
// Pieces the CLI's subcommands share: common options, progress on stderr and
// image output.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>

#include "core/pipeline/request.h"
#include "core/sampling/step_event.h"

namespace CLI {
class App;
}

namespace diffscope::cli {

struct CommonOptions {
  std::string device = "auto";
  int threads = 0;
};

// --device and --threads on a subcommand.
void add_common_options(CLI::App& command, CommonOptions& options);
// Applies the thread count and malloc settings; returns the resolved device's description.
std::string apply_common_options(const CommonOptions& options);

// A step callback that prints "step i/n  t  σ  s/step  ETA" to stderr.
StepCallback progress_printer(const std::string& label);

// Refuses to replace an existing file unless `overwrite`.
void check_writable(const std::filesystem::path& path, bool overwrite);

// out.png → out-3.png for image 3 of a batch larger than one.
std::filesystem::path batch_path(const std::filesystem::path& path, int index, int batch);

// (B, C, H, W) in [−1, 1] → image b as (H, W, 3) uint8; one channel is shown grey.
at::Tensor to_png_pixels(const at::Tensor& samples, int64_t b);

}  // namespace diffscope::cli
