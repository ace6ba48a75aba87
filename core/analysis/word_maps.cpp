#include "core/analysis/word_maps.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace diffscope {
namespace {

int word_index(const WordMaps& maps, const std::string& word) {
  const auto it = std::find(maps.words.begin(), maps.words.end(), word);
  return it == maps.words.end() ? -1 : static_cast<int>(it - maps.words.begin());
}

}  // namespace

void WordMapHistory::add(int step, std::shared_ptr<const WordMaps> maps) {
  if (!maps || step < 0) return;
  if (static_cast<size_t>(step) >= steps_.size()) steps_.resize(static_cast<size_t>(step) + 1);
  steps_[static_cast<size_t>(step)] = std::move(maps);
  if (static_cast<size_t>(step) < sums_.size()) sums_.resize(static_cast<size_t>(step));  // sums from here on change
}

bool WordMapHistory::empty() const {
  return std::none_of(steps_.begin(), steps_.end(), [](const auto& maps) { return maps != nullptr; });
}

std::vector<std::string> WordMapHistory::words() const {
  std::vector<std::string> words;
  for (const auto& maps : steps_) {
    if (!maps) continue;
    for (const std::string& word : maps->words) {
      if (std::find(words.begin(), words.end(), word) == words.end()) words.push_back(word);
    }
  }
  return words;
}

int WordMapHistory::images() const {
  for (const auto& maps : steps_) {
    if (maps && maps->maps.defined()) return static_cast<int>(maps->maps.size(0));
  }
  return 0;
}

at::Tensor WordMapHistory::step_map(int step, const std::string& word, int image) const {
  if (step < 0 || static_cast<size_t>(step) >= steps_.size() || !steps_[static_cast<size_t>(step)]) return {};
  const WordMaps& maps = *steps_[static_cast<size_t>(step)];
  const int index = word_index(maps, word);
  if (index < 0 || !maps.maps.defined() || image < 0 || image >= maps.maps.size(0)) return {};
  return maps.maps[image][index];
}

at::Tensor WordMapHistory::aggregate(const std::string& word, int image, int last_step) const {
  at::Tensor sum;
  const int end = last_step >= 0 ? std::min(steps(), last_step + 1) : steps();
  for (int step = 0; step < end; ++step) {
    const at::Tensor map = step_map(step, word, image);
    if (!map.defined()) continue;
    if (sum.defined() && sum.sizes() != map.sizes()) continue;
    sum = sum.defined() ? sum + map : map.clone();
  }
  return sum;
}

at::Tensor WordMapHistory::batch_step_maps(int step, const std::string& word) const {
  if (step < 0 || step >= steps() || !steps_[static_cast<size_t>(step)]) return {};
  const WordMaps& maps = *steps_[static_cast<size_t>(step)];
  const int index = word_index(maps, word);
  return index < 0 || !maps.maps.defined() ? at::Tensor() : maps.maps.select(1, index);
}

at::Tensor WordMapHistory::batch_maps(int step, const std::string& word, bool all_steps) const {
  if (!all_steps) return batch_step_maps(step, word);
  if (step < 0 || step >= steps()) return {};
  if (word != summed_word_) {
    summed_word_ = word;
    sums_.clear();
  }
  // Extend the running sums up to `step`; steps without the word add nothing.
  for (int s = static_cast<int>(sums_.size()); s <= step; ++s) {
    const at::Tensor previous = s > 0 ? sums_[static_cast<size_t>(s - 1)] : at::Tensor();
    const at::Tensor here = batch_step_maps(s, word);
    if (!here.defined() || (previous.defined() && previous.sizes() != here.sizes())) {
      sums_.push_back(previous);
    } else {
      sums_.push_back(previous.defined() ? previous + here : here.clone());
    }
  }
  return sums_[static_cast<size_t>(step)];
}

at::Tensor heat_map_image(const at::Tensor& map, int width, int height) {
  at::Tensor scaled = map.to(at::kFloat).reshape({1, 1, map.size(-2), map.size(-1)});
  if (scaled.size(2) != height || scaled.size(3) != width) {
    scaled = at::upsample_bicubic2d(scaled, {height, width}, false);
  }
  scaled = scaled.clamp_min(0)[0][0];
  const double low = scaled.min().item<double>(), high = scaled.max().item<double>();
  if (!(high > low)) return at::zeros({height, width}, at::kByte);
  return ((scaled - low) * (255.0 / (high - low))).round().clamp(0, 255).to(at::kByte).contiguous();
}

std::string word_file_stem(size_t index, const std::string& word) {
  char number[16];
  std::snprintf(number, sizeof number, "%02zu-", index);
  std::string stem = number;
  for (char c : word) {
    const auto byte = static_cast<unsigned char>(c);
    // Bytes of multi-byte UTF-8 letters (≥ 0x80) are kept whole; ASCII only where alphanumeric.
    stem.push_back(byte >= 0x80 || std::isalnum(byte) ? c : '_');
  }
  return stem;
}

}  // namespace diffscope
