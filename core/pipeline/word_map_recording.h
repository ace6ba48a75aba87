#pragma once
// A run's word heat maps (Request::word_maps): while it lives, an
// AttentionProbe is active on the thread that runs the network; each step's
// event is handed the maps of the words of the prompt that step ran with
// (prompt editing and branches change it between steps).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/models/model_bundle.h"
#include "core/sampling/attention_probe.h"
#include "core/sampling/step_event.h"

namespace diffscope {

class WordMapRecording {
 public:
  // latent_height × latent_width: the maps' size. prompt_at: the prompt of
  // a step (0-based index in the chain).
  WordMapRecording(const ModelBundle& bundle, int64_t latent_height, int64_t latent_width,
                   std::function<std::string(int)> prompt_at);

  // Takes what the probe summed since the last step into event.word_maps.
  void attach(StepEvent& event);

 private:
  // The prompt's words and a (words, positions) matrix that sums their tokens.
  void read_words(const std::string& prompt, int64_t positions);

  const ModelBundle& bundle_;
  std::function<std::string(int)> prompt_at_;
  AttentionProbe probe_;
  ScopedAttentionProbe active_;
  std::string words_of_;  // the prompt words_ and selector_ belong to
  int64_t positions_ = -1;
  std::vector<std::string> words_;
  at::Tensor selector_;
};

}  // namespace diffscope
