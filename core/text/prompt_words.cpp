#include "core/text/prompt_words.h"

#include <algorithm>
#include <cctype>

namespace diffscope {
namespace {

bool punctuation_only(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x80 && !std::isalnum(byte);
  });
}

}  // namespace

void add_word_position(std::vector<PromptWord>& words, const std::string& text, int64_t position) {
  auto it = std::find_if(words.begin(), words.end(), [&](const PromptWord& word) { return word.text == text; });
  if (it == words.end()) {
    words.push_back({text, {}});
    it = words.end() - 1;
  }
  it->positions.push_back(position);
}

std::vector<PromptWord> clip_prompt_words(const std::vector<TokenChunk>& chunks, const ClipTokenizer& tokenizer,
                                          const std::vector<std::string>& embedding_names) {
  std::vector<PromptWord> words;
  words.push_back({kStartTokenWord, {}});
  // A word's pieces so far; a word cut by a chunk boundary continues in the next chunk.
  std::string text;
  std::vector<int64_t> places;
  auto flush = [&] {
    if (!text.empty() && !punctuation_only(text)) {
      for (int64_t place : places) add_word_position(words, text, place);
    }
    text.clear();
    places.clear();
  };
  int64_t offset = 0;
  for (const TokenChunk& chunk : chunks) {
    for (size_t i = 0; i < chunk.ids.size(); ++i) {
      const int32_t id = chunk.ids[i];
      const int64_t position = offset + static_cast<int64_t>(i);
      const auto embedding = std::find_if(chunk.embeddings.begin(), chunk.embeddings.end(),
                                          [&](const EmbeddingPlace& place) { return place.position == int(i); });
      if (embedding != chunk.embeddings.end()) {
        flush();
        const size_t index = static_cast<size_t>(embedding->embedding);
        const std::string name = index < embedding_names.size() ? embedding_names[index] : "<embedding>";
        for (int k = 0; k < embedding->vectors; ++k) add_word_position(words, name, position + k);
        i += static_cast<size_t>(embedding->vectors) - 1;
        continue;
      }
      if (id == tokenizer.start_id()) {
        words.front().positions.push_back(position);
        continue;
      }
      if (id == tokenizer.end_id()) break;  // the chunk's end, then padding
      text += tokenizer.token_text(id);
      places.push_back(position);
      if (tokenizer.ends_word(id)) flush();
    }
    offset += static_cast<int64_t>(chunk.ids.size());
  }
  flush();
  return words;
}

}  // namespace diffscope
