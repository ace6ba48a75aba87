#pragma once
// A run's word heat maps (StepEvent::word_maps) kept step by step: a word's
// map at one step, or summed over all steps (DAAM's aggregate), and either
// as an image at the picture's size. Fed StepEvents by the UI and the CLI.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/sampling/step_event.h"

namespace diffscope {

class WordMapHistory {
 public:
  // Keeps the event's maps (if any) under its step index.
  void add(const StepEvent& event) { add(event.index, event.word_maps); }
  void add(int step, std::shared_ptr<const WordMaps> maps);
  bool empty() const;
  // Every word some step had, in the order first seen.
  std::vector<std::string> words() const;
  // The word's map (h, w) at a step for one image of the batch; undefined
  // where that step did not have the word (or the step was not recorded).
  at::Tensor step_map(int step, const std::string& word, int image = 0) const;
  // Summed over every step (up to last_step, where ≥ 0) that had the word;
  // undefined if none had.
  at::Tensor aggregate(const std::string& word, int image = 0, int last_step = -1) const;
  // Every image's map (batch, h, w) at a step, or summed up to it
  // (all_steps). The sums of the last word asked are kept per step, so a
  // live run or a scrub costs one addition per step, not one per step so far.
  at::Tensor batch_maps(int step, const std::string& word, bool all_steps) const;
  // How many steps and batch images were recorded.
  int steps() const { return static_cast<int>(steps_.size()); }
  int images() const;

 private:
  at::Tensor batch_step_maps(int step, const std::string& word) const;

  std::vector<std::shared_ptr<const WordMaps>> steps_;  // by step index; null where none came
  mutable std::string summed_word_;
  mutable std::vector<at::Tensor> sums_;  // sums_[s]: summed_word_'s maps over steps 0..s (undefined: none yet)
};

// A map (h, w) as an image (height, width) uint8: upsampled (bicubic,
// clamped at 0) and stretched so that its least value is 0 and its greatest
// 255, as DAAM shows its maps. A constant map is all 0.
at::Tensor heat_map_image(const at::Tensor& map, int width, int height);

// A file name (no extension) for the index-th word: "03-cat". ASCII letters
// and digits and every non-ASCII character are kept, other ASCII becomes "_",
// so a word cannot name a path ("../x" → "03-___x").
std::string word_file_stem(size_t index, const std::string& word);

}  // namespace diffscope
