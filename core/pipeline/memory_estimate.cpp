#include "core/pipeline/memory_estimate.h"

#include <c10/core/ScalarType.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "core/common/errors.h"
#include "core/common/system_memory.h"

namespace diffscope {
namespace {

// Runs of letters and digits (and any non-ASCII bytes): at least as many as
// the word maps' words.
size_t count_words(const std::string& text) {
  size_t words = 0;
  bool inside = false;
  for (char c : text) {
    const bool part = static_cast<unsigned char>(c) >= 0x80 || std::isalnum(static_cast<unsigned char>(c));
    if (part && !inside) ++words;
    inside = part;
  }
  return words;
}

}  // namespace

MemoryEstimate estimate_run_memory(const Request& request, const ModelInfo& info, at::ScalarType compute_type,
                                   bool keep_history) {
  const MemoryNeeds& needs = info.memory;
  const double element = double(c10::elementSize(compute_type));
  const uint64_t pixels = uint64_t(std::max(request.width, 1)) * uint64_t(std::max(request.height, 1));
  const uint64_t batch = uint64_t(std::max(request.batch, 1));
  const bool guided = request.cfg_scale.value_or(info.default_cfg) != 1.0;
  const uint64_t model_batch = batch * (guided ? 2 : 1);

  MemoryEstimate e;
  e.weights = uint64_t(double(needs.parameters) * element) + needs.fixed_bytes + needs.fixed_bytes_per_pixel * pixels;
  const uint64_t per_call =
      model_batch * (needs.activation_bytes_per_item +
                     uint64_t(needs.activation_elements_per_item_pixel * element * double(pixels))) +
      needs.activation_fixed_bytes;
  const uint64_t decoder = uint64_t(needs.decoder_elements_per_pixel * element * double(pixels));
  e.activations = std::max(per_call, decoder);
  if (keep_history) {
    e.history = uint64_t(double(std::max(request.steps, 1)) * double(batch) * double(pixels) *
                         needs.history_bytes_per_item_pixel);
    // Word heat maps: a float per word and latent pixel each step (latents
    // are 4× to 8× smaller than the image per side: 4× counted).
    if (request.word_maps) {
      e.history += uint64_t(std::max(request.steps, 1)) * batch * uint64_t(count_words(request.prompt) + 1) *
                   (pixels / 16 + 1) * 4;
    }
  }
  return e;
}

void check_memory(const MemoryEstimate& estimate, uint64_t available, const std::string& what) {
  // Leave a quarter of what is free to the rest of the system and to the
  // allocator's slack.
  const uint64_t usable = available / 4 * 3;
  if (estimate.total() <= usable) return;
  throw Error("this run needs about " + format_bytes(estimate.total()) + " of " + what + " (model " +
              format_bytes(estimate.weights) + ", working memory " + format_bytes(estimate.activations) +
              ", step history " + format_bytes(estimate.history) + ") but only " + format_bytes(available) +
              " is free: lower the batch size, the image size or the number of steps");
}

}  // namespace diffscope
