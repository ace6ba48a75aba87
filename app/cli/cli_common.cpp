#include "app/cli/cli_common.h"

#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/common/runtime.h"

namespace diffscope::cli {

CLI::Validator parsed_by(const std::function<void(const std::string&)>& parse, const std::string& names) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
          return {};
        } catch (const Error& e) {
          return e.what();
        }
      },
      names);
}

void add_common_options(CLI::App& command, CommonOptions& options) {
  command.add_option("--device", options.device, "auto (CUDA when present), cpu, cuda or cuda:N")
      ->check(parsed_by([](const std::string& name) { parse_device(name); }, "DEVICE"))
      ->capture_default_str();
  command.add_option("--threads", options.threads, "CPU threads (0: $OMP_NUM_THREADS if set, else all cores)")->check(CLI::NonNegativeNumber);
}

std::string apply_common_options(const CommonOptions& options) {
  configure_runtime({options.threads, true});
  return describe_device(resolve_device(options.device_choice()));
}

StepCallback progress_printer(const std::string& label) {
  return [label](const StepEvent& event) {
    const double per_step = event.elapsed / (event.index + 1);
    const double eta = per_step * (event.total - event.index - 1);
    std::fprintf(stderr, "\r%s step %d/%d  t=%7.2f  sigma=%9.4f  %.3f s/step  ETA %.1f s   ", label.c_str(),
                 event.index + 1, event.total, event.t, event.sigma, per_step, eta);
    if (event.index + 1 == event.total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

void check_writable(const std::filesystem::path& path, bool overwrite) {
  if (!overwrite && std::filesystem::exists(path)) {
    throw Error(path.string() + " already exists (pass --overwrite to replace it)");
  }
  const auto parent = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent)) throw Error(parent.string() + ": no such directory");
}

std::filesystem::path batch_path(const std::filesystem::path& path, int index, int batch) {
  if (batch <= 1) return path;
  std::filesystem::path out = path;
  out.replace_filename(path.stem().string() + "-" + std::to_string(index) + path.extension().string());
  return out;
}

at::Tensor to_png_pixels(const at::Tensor& samples, int64_t b) {
  at::Tensor item = samples[b].unsqueeze(0).to(at::kCPU);
  if (item.size(1) == 1) item = item.expand({1, 3, item.size(2), item.size(3)});
  if (item.size(1) != 3) item = item.slice(1, 0, 3);
  return model_range_to_images(item)[0];
}

}  // namespace diffscope::cli
