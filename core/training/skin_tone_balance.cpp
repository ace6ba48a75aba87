#include "core/training/skin_tone_balance.h"

#include <unordered_map>

namespace diffscope::training {
namespace {

bool is_skin_tone(std::string_view code_point) {
  return code_point.size() == 5 && code_point.substr(0, 4) == "1f3f" && code_point[4] >= 'b' && code_point[4] <= 'f';
}

}  // namespace

std::string key_without_skin_tones(std::string_view key) {
  std::string base;
  size_t begin = 0;
  while (begin <= key.size()) {
    size_t end = key.find('-', begin);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view code_point = key.substr(begin, end - begin);
    if (!is_skin_tone(code_point)) {
      if (!base.empty()) base += '-';
      base += code_point;
    }
    begin = end + 1;
  }
  return base;
}

std::vector<double> skin_tone_balanced_weights(const std::vector<std::string>& keys) {
  std::vector<std::string> bases;
  bases.reserve(keys.size());
  std::unordered_map<std::string, size_t> images_per_base;
  for (const auto& key : keys) {
    bases.push_back(key_without_skin_tones(key));
    ++images_per_base[bases.back()];
  }
  std::vector<double> weights;
  weights.reserve(keys.size());
  for (const auto& base : bases) weights.push_back(1.0 / double(images_per_base.at(base)));
  return weights;
}

}  // namespace diffscope::training
