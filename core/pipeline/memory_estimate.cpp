#include "core/pipeline/memory_estimate.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/common/errors.h"
#include "core/models/sd/sd_checkpoint.h"

namespace diffscope {
namespace {

// The oracle's set (1,794 EmojiOne images, rounded up) and what it holds per
// image: the uint8 source, the centred float copy and one cached conversion.
constexpr uint64_t kOracleImages = 1800;
constexpr uint64_t kFloatCopiesOfSet = 3;
constexpr uint64_t kLatentModelWeights = 64ull << 20;

// The bytes of a checkpoint's weight files (a file, or a diffusers folder's).
uint64_t checkpoint_bytes(const std::string& model) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(model, error)) {
    const auto size = fs::file_size(model, error);
    return error ? 0 : size;
  }
  uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(model, error)) {
    if (entry.is_regular_file(error) && entry.path().extension() == ".safetensors") total += entry.file_size(error);
  }
  return total;
}

// Stable Diffusion: the weights in the compute type (files are mostly 16-bit),
// the U-Net's activations at the latent size (~80 live maps of 320 channels
// at its first level, plus one 256 MB attention slice) or, larger at big
// sizes, the VAE decoder's (~6 maps of 128 channels at full size, one image
// at a time).
MemoryEstimate estimate_checkpoint_memory(const Request& request, uint64_t model_batch, bool keep_history) {
  const uint64_t pixels = uint64_t(request.width) * uint64_t(request.height), latent_pixels = pixels / 64;
  const uint64_t element = request.precision == "float32" || request.precision == "auto" || request.precision.empty() ? 4 : 2;
  MemoryEstimate e;
  e.weights = checkpoint_bytes(request.model) / 2 * element;
  const uint64_t unet = model_batch * latent_pixels * 320 * element * 80 + (256ull << 20);
  const uint64_t vae = pixels * 128 * element * 6;
  e.activations = std::max(unet, vae);
  if (keep_history) {
    // Per step: two latents (float32) and three small RGBA previews per image.
    e.history = uint64_t(std::max(request.steps, 1)) * uint64_t(std::max(request.batch, 1)) * latent_pixels *
                (2 * 4 * 4 + 3 * 4 * 64);
  }
  return e;
}

}  // namespace

MemoryEstimate estimate_run_memory(const Request& request, bool keep_history) {
  const uint64_t pixels = uint64_t(request.width) * uint64_t(request.height);
  const uint64_t item_floats = 3 * pixels;  // the oracle works in pixel space
  const uint64_t batch = uint64_t(std::max(request.batch, 1));
  const bool guided = request.cfg_scale.value_or(1.0) != 1.0;
  const uint64_t model_batch = batch * (guided ? 2 : 1);

  if (sd::looks_like_checkpoint_path(request.model)) return estimate_checkpoint_memory(request, model_batch, keep_history);
  MemoryEstimate e;
  if (request.model != "oracle") {
    // A latent model: its weights (the built-in one holds ~4M float parameters)
    // and activations of a few MB per image at 64×64, scaled with the pixels.
    e.weights = kLatentModelWeights;
    e.activations = model_batch * pixels * 4 * 256;
  } else {
    e.weights = kOracleImages * item_floats * (1 + 4 * kFloatCopiesOfSet);
    // Distances/weights over the set plus a handful of image-sized temporaries.
    e.activations = model_batch * (kOracleImages * 4 * 4 + item_floats * 4 * 8);
  }
  if (keep_history) {
    // x_t, x̂0 and ε̂ per step as 8-bit RGBA previews, plus the float event tensors.
    e.history = uint64_t(std::max(request.steps, 1)) * batch * 3 * pixels * (4 + 4 * 3);
  }
  return e;
}

std::optional<uint64_t> available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kib) == 1) return uint64_t(kib) * 1024;
  }
  return std::nullopt;
}

namespace {
uint64_t status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
  }
  return 0;
}
}  // namespace

uint64_t resident_bytes() { return status_kib("VmRSS"); }
uint64_t peak_resident_bytes() { return status_kib("VmHWM"); }

void check_memory(const MemoryEstimate& estimate, uint64_t available) {
  // Leave a quarter of what is free to the rest of the system and to the
  // allocator's slack.
  const uint64_t usable = available / 4 * 3;
  if (estimate.total() <= usable) return;
  throw Error("this run needs about " + format_bytes(estimate.total()) + " of memory (model " +
              format_bytes(estimate.weights) + ", working memory " + format_bytes(estimate.activations) +
              ", step history " + format_bytes(estimate.history) + ") but only " + format_bytes(available) +
              " is free: lower the batch size, the image size or the number of steps");
}

std::string format_bytes(uint64_t bytes) {
  char text[32];
  if (bytes >= (uint64_t(1) << 30)) {
    std::snprintf(text, sizeof text, "%.1f GB", double(bytes) / double(uint64_t(1) << 30));
  } else {
    std::snprintf(text, sizeof text, "%.0f MB", double(bytes) / double(1 << 20));
  }
  return text;
}

}  // namespace diffscope
