#pragma once
// Pieces the CLI's subcommands share: common options, progress on stderr and
// image output.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <string>

#include "core/common/device_choice.h"
#include "core/pipeline/request.h"
#include "core/sampling/step_event.h"

namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace diffscope::cli {

struct CommonOptions {
  std::string device = "auto";  // checked with parse_device when parsed
  int threads = 0;
  DeviceChoice device_choice() const { return parse_device(device); }
};

// A CLI11 check for an option's text: what `parse` accepts passes; its Error
// (which lists the valid names) is the message otherwise, with the usage.
CLI::Validator parsed_by(const std::function<void(const std::string&)>& parse, const std::string& names);

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
