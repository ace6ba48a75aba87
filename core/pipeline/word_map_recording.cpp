#include "core/pipeline/word_map_recording.h"

#include <ATen/ATen.h>

#include "core/models/adapters/lora_prompt.h"

namespace diffscope {

WordMapRecording::WordMapRecording(const ModelBundle& bundle, int64_t latent_height, int64_t latent_width,
                                   std::function<std::string(int)> prompt_at)
    : bundle_(bundle), prompt_at_(std::move(prompt_at)), probe_(latent_height, latent_width), active_(probe_) {}

void WordMapRecording::read_words(const std::string& prompt, int64_t positions) {
  if (prompt == words_of_ && positions == positions_) return;
  const std::vector<PromptWord> words = bundle_.prompt_words(prompt);
  words_.clear();
  std::vector<float> selector;
  for (const PromptWord& word : words) {
    std::vector<float> row(static_cast<size_t>(positions), 0.0f);
    bool inside = false;
    for (int64_t position : word.positions) {
      if (position < 0 || position >= positions) continue;  // past the conditioning (never, but never trusted)
      row[static_cast<size_t>(position)] = 1.0f;
      inside = true;
    }
    if (!inside) continue;
    words_.push_back(word.text);
    selector.insert(selector.end(), row.begin(), row.end());
  }
  selector_ = at::tensor(selector, at::kFloat).view({static_cast<int64_t>(words_.size()), positions});
  words_of_ = prompt;
  positions_ = positions;
}

void WordMapRecording::attach(StepEvent& event) {
  const at::Tensor tokens = probe_.take();  // (rows, M, h, w)
  if (!tokens.defined()) return;
  const int64_t rows = tokens.size(0), positions = tokens.size(1), height = tokens.size(2), width = tokens.size(3);
  // <lora:…> tags change the weights, not the text (as the conditioning was made).
  read_words(without_lora_tags(prompt_at_(event.index)), positions);
  auto maps = std::make_shared<WordMaps>();
  maps->words = words_;
  maps->maps = at::matmul(selector_, tokens.view({rows, positions, height * width}))
                   .view({rows, static_cast<int64_t>(words_.size()), height, width});
  event.word_maps = std::move(maps);
}

}  // namespace diffscope
