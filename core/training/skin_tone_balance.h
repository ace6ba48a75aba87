#pragma once
// Sampling weights that draw every emoji equally often, however many skin-tone
// variants it has. Nearly half of the data set's emoji names are skin-tone
// variants ("man firefighter: medium skin tone"; the couples come in 25 tone
// pairs), so drawing images uniformly spends half of the training on people
// and leaves the food, animals and vehicles people ask for with the rest.
#include <string>
#include <string_view>
#include <vector>

namespace diffscope::training {

// The emoji a key (emoji_key(): hex code points joined by '-') is a skin-tone
// variant of: the key without its Fitzpatrick modifiers U+1F3FB–U+1F3FF.
// "1f468-1f3fd-200d-1f692" → "1f468-200d-1f692"; other keys are unchanged.
std::string key_without_skin_tones(std::string_view key);

// One weight per key: the images of one emoji and its skin-tone variants
// share one unit ("1f44d", "1f44d-1f3fb" … "1f44d-1f3ff" get 1/6 each, in
// whatever styles), so every emoji is drawn as often as any other. All
// weights are positive.
std::vector<double> skin_tone_balanced_weights(const std::vector<std::string>& keys);

}  // namespace diffscope::training
