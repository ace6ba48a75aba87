#include "tests/support/sd_test_support.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/io/file_hash.h"
#include "core/io/safetensors.h"
#include "tests/support/test_support.h"

namespace diffscope::support {

namespace {

// Runs tests/tools/SCRIPT with Debian's python3 and ../shared's tools at hand.
bool run_tool(const std::string& script, const std::string& args, std::string* why) {
  if (shared_dir().empty()) {
    *why = "../shared (the key tables of tools/make_random_sd15.py) is not here";
    return false;
  }
  const std::string command = "DIFFSCOPE_SHARED_DIR='" + shared_dir().string() + "' /usr/bin/python3 '" +
                              std::string(DIFFSCOPE_SOURCE_DIR) + "/tests/tools/" + script + "' " + args;
  std::string output;
  if (run_command(command, &output) != 0) {
    *why = script + " failed (python3-torch and python3-numpy installed?): " + output;
    return false;
  }
  return true;
}

// 'OUT' ARGS (appended piece by piece: GCC 12 warns falsely on a chain of + here).
std::string quoted_then(const std::filesystem::path& out, const std::string& args) {
  std::string text = "'";
  text += out.string();
  text += "' ";
  text += args;
  return text;
}

}  // namespace

bool make_tiny_sd(const std::filesystem::path& out, const std::string& args, std::string* why) {
  return run_tool("make_tiny_sd.py", quoted_then(out, args), why);
}

bool make_hostile_files(const std::filesystem::path& out, const std::filesystem::path& marker, std::string* why) {
  return run_tool("make_hostile_files.py", quoted_then(out, "'" + marker.string() + "'"), why);
}

bool make_torch_pickles(const std::filesystem::path& out, const std::filesystem::path& marker, std::string* why) {
  return run_tool("make_torch_pickles.py", quoted_then(out, "'" + marker.string() + "'"), why);
}

bool make_tiny_lora(const std::filesystem::path& out, const std::string& args, std::string* why) {
  return run_tool("make_tiny_lora.py", quoted_then(out, args), why);
}

bool make_tiny_taesd(const std::filesystem::path& decoder, const std::filesystem::path& reference,
                     const std::string& args, std::string* why) {
  std::string output;
  const int status =
      run_command("/usr/bin/python3 '" + std::string(DIFFSCOPE_SOURCE_DIR) + "/tests/tools/make_tiny_taesd.py' '" +
                      decoder.string() + "' '" + reference.string() + "' " + args,
                  &output);
  if (status != 0) *why = "make_tiny_taesd.py failed (python3-torch installed?): " + output;
  return status == 0;
}

std::filesystem::path random_checkpoint(const std::string& script, const std::string& file_name, uintmax_t bytes,
                                        std::string* why) {
  namespace fs = std::filesystem;
  const char* cache = std::getenv("DIFFSCOPE_CACHE_DIR");
  const fs::path dir = cache != nullptr && cache[0] != '\0' ? fs::path(cache) : fs::temp_directory_path();
  const fs::path path = dir / file_name;
  std::error_code error;
  if (fs::file_size(path, error) == bytes) return path;
  fs::create_directories(dir);
  const fs::path partial = dir / (file_name + ".partial");
  std::string output;
  const int status = run_command(
      "/usr/bin/python3 '" + (shared_dir() / "tools" / script).string() + "' '" + partial.string() + "'", &output);
  if (status != 0 || fs::file_size(partial, error) != bytes) {
    *why = script + " failed: " + output;
    fs::remove(partial, error);
    return {};
  }
  fs::rename(partial, path);
  return path;
}

double psnr_8bit(const at::Tensor& a, const at::Tensor& b) {
  const double mse = (a.to(at::kDouble) - b.to(at::kDouble)).pow(2).mean().item<double>();
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

namespace {

// make_sdxl_references.py's fingerprint: Σ vᵢ·(i mod 97 + 1) in float64.
double fingerprint(const at::Tensor& tensor) {
  const at::Tensor v = tensor.to(at::kDouble).flatten();
  return (v * (at::arange(v.numel(), at::kDouble).remainder(97) + 1)).sum().item<double>();
}

}  // namespace

std::string diffusers_layout_differences(const std::filesystem::path& folder, const std::string& layout_json) {
  std::ostringstream out;
  const nlohmann::json layout = nlohmann::json::parse(layout_json);
  for (const auto& [part, expected] : layout.items()) {
    const std::string file =
        part.rfind("text_encoder", 0) == 0 ? "model.safetensors" : "diffusion_pytorch_model.safetensors";
    const SafetensorsFile ours = SafetensorsFile::open(folder / part / file);
    for (const SafetensorsEntry& entry : ours.entries()) {
      if (!expected.contains(entry.name)) out << part << ": " << entry.name << " is not diffusers' name\n";
    }
    for (const auto& [name, shape_and_value] : expected.items()) {
      if (!ours.contains(name)) {
        out << part << ": " << name << " is missing\n";
        continue;
      }
      const at::Tensor tensor = ours.tensor(name);
      if (tensor.sizes().vec() != shape_and_value[0].get<std::vector<int64_t>>()) {
        out << part << ": " << name << " has shape " << tensor.sizes() << "\n";
        continue;
      }
      const double value = fingerprint(tensor), scale = fingerprint(tensor.abs()) + 1e-30;
      if (std::abs(value - shape_and_value[1].get<double>()) > 1e-9 * scale) {
        out << part << ": " << name << " holds other values\n";
      }
    }
  }
  return out.str();
}

std::string reference_checkpoint_changed(const std::filesystem::path& checkpoint, const std::string& recorded_sha256,
                                         const std::string& script) {
  if (sha256_file(checkpoint) == recorded_sha256) return "";
  return checkpoint.filename().string() + " is not the checkpoint the references were made from (make_tiny_sd.py " +
         "changed?): run tests/tools/" + script + " again";
}

double relative_max_error(const at::Tensor& ours, const at::Tensor& reference) {
  if (ours.sizes() != reference.sizes()) return std::numeric_limits<double>::infinity();
  const at::Tensor r = reference.to(at::kDouble);
  return (ours.to(at::kDouble) - r).abs().max().item<double>() / r.abs().max().item<double>();
}

}  // namespace diffscope::support
