#pragma once
// One step of the reverse chain, as the UI and CLI receive it. Tensors are the
// sampler's own (never modified afterwards), on the run's device.
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace diffscope {

// A step's word heat maps (attention_probe.h): each prompt word's summed
// cross-attention at the latent's size, for every image of the batch.
struct WordMaps {
  std::vector<std::string> words;  // the step's prompt's words; "<start>" first (prompt_words.h)
  at::Tensor maps;                 // (batch, words, h, w) float32 on the CPU
};

struct StepEvent {
  int index = 0;                              // 0-based step number
  int total = 0;                              // steps in the run
  double t = 0;                               // model timestep (may be fractional)
  double sigma = 0;                           // noise level σ_t
  double alpha_bar = 0;                       // ᾱ_t = 1/(1+σ²)
  at::Tensor x_t;                             // variance-preserving x_t = x/√(1+σ²), the step's input
  at::Tensor x0;                              // the model's predicted clean sample x̂_0
  at::Tensor eps;                             // the predicted noise ε̂ = (x − x̂_0)/σ
  double elapsed = 0;                         // seconds since the run started, after this step's model call
  std::shared_ptr<const WordMaps> word_maps;  // where the request asked for them
};

using StepCallback = std::function<void(const StepEvent&)>;

}  // namespace diffscope
