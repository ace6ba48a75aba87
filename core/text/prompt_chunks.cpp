#include "core/text/prompt_chunks.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/common/errors.h"

namespace diffscope {
namespace {

constexpr double kEmphasis = 1.1;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// ":" + spaces + a number + spaces + ")" at `i`: the weight and the length.
std::optional<std::pair<double, size_t>> weight_close(const std::string& s, size_t i) {
  size_t j = i + 1;
  while (j < s.size() && is_space(s[j])) ++j;
  const size_t number_begin = j;
  if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
  while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
  const std::string number = s.substr(number_begin, j - number_begin);
  while (j < s.size() && is_space(s[j])) ++j;
  if (j >= s.size() || s[j] != ')' || number.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end == number.c_str() || *end != '\0') return std::nullopt;
  return std::make_pair(value, j + 1 - i);
}

// Splits plain text on the word BREAK (with the spaces around it).
void append_with_breaks(const std::string& text, std::vector<WeightedText>& out) {
  size_t start = 0;
  for (size_t i = 0; i + 5 <= text.size(); ++i) {
    const bool word_start = i == 0 || !is_word(text[i - 1]);
    const bool word_end = i + 5 == text.size() || !is_word(text[i + 5]);
    if (!(word_start && word_end && text.compare(i, 5, "BREAK") == 0)) continue;
    size_t left = i, right = i + 5;
    while (left > start && is_space(text[left - 1])) --left;
    while (right < text.size() && is_space(text[right])) ++right;
    out.push_back({text.substr(start, left - start), 1.0});
    out.push_back({"BREAK", kBreakWeight});
    start = right;
    i = right - 1;
  }
  out.push_back({text.substr(start), 1.0});
}

}  // namespace

std::vector<WeightedText> parse_prompt_emphasis(const std::string& s) {
  std::vector<WeightedText> res;
  std::vector<size_t> round, square;
  auto multiply_from = [&](size_t from, double factor) {
    for (size_t k = from; k < res.size(); ++k) res[k].weight *= factor;
  };
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\\') {
      const bool escapes = i + 1 < s.size() && std::string("()[]\\").find(s[i + 1]) != std::string::npos;
      if (escapes) res.push_back({std::string(1, s[i + 1]), 1.0});
      i += escapes ? 2 : 1;
    } else if (c == '(') {
      round.push_back(res.size());
      ++i;
    } else if (c == '[') {
      square.push_back(res.size());
      ++i;
    } else if (c == ':') {
      const auto weighted = weight_close(s, i);
      if (weighted && !round.empty()) {
        multiply_from(round.back(), weighted->first);
        round.pop_back();
        i += weighted->second;
      } else if (weighted) {
        res.push_back({s.substr(i, weighted->second), 1.0});
        i += weighted->second;
      } else {
        res.push_back({":", 1.0});
        ++i;
      }
    } else if (c == ')' && !round.empty()) {
      multiply_from(round.back(), kEmphasis);
      round.pop_back();
      ++i;
    } else if (c == ']' && !square.empty()) {
      multiply_from(square.back(), 1.0 / kEmphasis);
      square.pop_back();
      ++i;
    } else if (c == ')' || c == ']') {
      res.push_back({std::string(1, c), 1.0});
      ++i;
    } else {
      const size_t end = s.find_first_of("\\()[]:", i);
      const size_t stop = end == std::string::npos ? s.size() : end;
      append_with_breaks(s.substr(i, stop - i), res);
      i = stop;
    }
  }
  for (size_t open : round) multiply_from(open, kEmphasis);
  for (size_t open : square) multiply_from(open, 1.0 / kEmphasis);
  if (res.empty()) res.push_back({"", 1.0});
  for (size_t k = 0; k + 1 < res.size();) {
    if (res[k].weight == res[k + 1].weight) {
      res[k].text += res[k + 1].text;
      res.erase(res.begin() + static_cast<long>(k) + 1);
    } else {
      ++k;
    }
  }
  return res;
}

namespace {

// The embedding whose name starts at tokens[at] (the longest such), or -1.
int embedding_at(const std::vector<int32_t>& tokens, size_t at, const std::vector<EmbeddingTokens>& embeddings) {
  int found = -1;
  size_t found_length = 0;
  for (size_t e = 0; e < embeddings.size(); ++e) {
    const std::vector<int32_t>& name = embeddings[e].name_ids;
    if (name.empty() || name.size() <= found_length || at + name.size() > tokens.size()) continue;
    if (std::equal(name.begin(), name.end(), tokens.begin() + static_cast<long>(at))) {
      found = static_cast<int>(e);
      found_length = name.size();
    }
  }
  return found;
}

}  // namespace

std::vector<TokenChunk> chunk_prompt(const std::string& prompt, const ClipTokenizer& tokenizer,
                                     const ChunkOptions& options) {
  const int32_t comma = tokenizer.encode(",").front();
  for (const EmbeddingTokens& embedding : options.embeddings) {
    if (embedding.vectors < 1 || embedding.vectors > kChunkTokens) {
      throw Error("a textual-inversion embedding of " + std::to_string(embedding.vectors) +
                  " vectors does not fit in a chunk of " + std::to_string(kChunkTokens) + " tokens");
    }
  }
  std::vector<TokenChunk> chunks;
  TokenChunk chunk;
  int last_comma = -1;
  auto next_chunk = [&] {
    const size_t missing = kChunkTokens - chunk.ids.size();
    chunk.ids.insert(chunk.ids.end(), missing, tokenizer.end_id());
    chunk.weights.insert(chunk.weights.end(), missing, 1.0f);
    chunk.ids.insert(chunk.ids.begin(), tokenizer.start_id());
    chunk.weights.insert(chunk.weights.begin(), 1.0f);
    for (EmbeddingPlace& place : chunk.embeddings) ++place.position;  // after the start token
    chunk.ids.push_back(tokenizer.end_id());
    chunk.weights.push_back(1.0f);
    if (options.pad_id >= 0) {
      // OpenCLIP's padding: everything after the first end token.
      auto first_end = std::find(chunk.ids.begin() + 1, chunk.ids.end(), tokenizer.end_id());
      std::fill(first_end + 1, chunk.ids.end(), options.pad_id);
    }
    chunks.push_back(std::move(chunk));
    chunk = {};
    last_comma = -1;
  };
  for (const WeightedText& part : parse_prompt_emphasis(prompt)) {
    if (part.weight == kBreakWeight && part.text == "BREAK") {
      next_chunk();
      continue;
    }
    const std::vector<int32_t> tokens = tokenizer.encode(part.text);
    for (size_t at = 0; at < tokens.size();) {
      const int32_t token = tokens[at];
      const int size = static_cast<int>(chunk.ids.size());
      if (token == comma) {
        last_comma = size;
      } else if (options.comma_backtrack > 0 && size == kChunkTokens && last_comma != -1 &&
                 size - last_comma <= options.comma_backtrack) {
        // Move the words after the last comma to the next chunk (with the
        // embeddings among them, which A1111 leaves behind).
        TokenChunk moved;
        moved.ids.assign(chunk.ids.begin() + last_comma + 1, chunk.ids.end());
        moved.weights.assign(chunk.weights.begin() + last_comma + 1, chunk.weights.end());
        for (auto place = chunk.embeddings.begin(); place != chunk.embeddings.end();) {
          if (place->position > last_comma) {
            moved.embeddings.push_back({place->position - (last_comma + 1), place->embedding, place->vectors});
            place = chunk.embeddings.erase(place);
          } else {
            ++place;
          }
        }
        chunk.ids.resize(last_comma + 1);
        chunk.weights.resize(last_comma + 1);
        next_chunk();
        chunk = std::move(moved);
      }
      if (static_cast<int>(chunk.ids.size()) == kChunkTokens) next_chunk();
      const int embedding = embedding_at(tokens, at, options.embeddings);
      if (embedding < 0) {
        chunk.ids.push_back(token);
        chunk.weights.push_back(static_cast<float>(part.weight));
        ++at;
        continue;
      }
      const EmbeddingTokens& found = options.embeddings[static_cast<size_t>(embedding)];
      if (static_cast<int>(chunk.ids.size()) + found.vectors > kChunkTokens) next_chunk();
      chunk.embeddings.push_back({static_cast<int>(chunk.ids.size()), embedding, found.vectors});
      chunk.ids.insert(chunk.ids.end(), static_cast<size_t>(found.vectors), 0);
      chunk.weights.insert(chunk.weights.end(), static_cast<size_t>(found.vectors), static_cast<float>(part.weight));
      at += found.name_ids.size();
    }
  }
  if (!chunk.ids.empty() || chunks.empty()) next_chunk();
  return chunks;
}

void check_chunk_count(size_t chunks) {
  if (chunks > kMaxPromptChunks) {
    throw Error("the prompt is " + std::to_string(chunks) + " chunks of 75 tokens long; at most " +
                std::to_string(kMaxPromptChunks) + " (2,400 tokens) are read");
  }
}

}  // namespace diffscope
