#include "core/data/pair_captions.h"

namespace diffscope {

std::string training_caption(const EmojiPairs& pairs, int64_t index, double u) {
  const auto i = static_cast<size_t>(index);
  if (u < kCaptionDropout) return "";
  if (u < 0.35) return styled_prompt(pairs, index);
  if (u < 0.45) return pairs.names[i];
  return pairs.captions[i];
}

std::string styled_prompt(const EmojiPairs& pairs, int64_t index) {
  const auto i = static_cast<size_t>(index);
  std::string prompt = pairs.names[i];
  prompt += ", ";
  prompt += pairs.styles[i];
  return prompt;
}

}  // namespace diffscope
