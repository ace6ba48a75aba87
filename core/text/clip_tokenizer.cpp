#include "core/text/clip_tokenizer.h"

#include <unicode/locid.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>
#include <zlib.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/common/errors.h"
#include "core/io/text_file.h"
#include "core/text/ftfy_fixes.h"
#include "core/text/html_unescape.h"

namespace diffscope {
namespace {

namespace fs = std::filesystem;

// OpenAI's pre-tokenizer: the special tokens, English contractions, letter
// runs, single digits (any script), and runs of anything else but spaces.
constexpr const char* kPieces =
    R"(<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+)";
constexpr const char* kStart = "<|startoftext|>";
constexpr const char* kEnd = "<|endoftext|>";
// bpe_simple_vocab_16e6 lists more merges than CLIP uses; it takes the first ones.
constexpr size_t kOpenAiMerges = 49152 - 256 - 2;

std::string to_utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

std::string code_point_utf8(UChar32 c) { return to_utf8(icu::UnicodeString(c)); }

void check(UErrorCode status, const std::string& what) {
  if (U_FAILURE(status)) throw Error("CLIP tokenizer: " + what + " failed (" + u_errorName(status) + ")");
}

// GPT-2's byte → printable character table: printable Latin-1 bytes stand for
// themselves, the other 68 get code points from 256 on.
std::vector<std::string> byte_symbols() {
  std::vector<int> stand_in(256, -1);
  auto keep = [&](int from, int to) {
    for (int b = from; b <= to; ++b) stand_in[b] = b;
  };
  keep('!', '~');
  keep(0xA1, 0xAC);
  keep(0xAE, 0xFF);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    if (stand_in[b] < 0) stand_in[b] = next++;
  }
  std::vector<std::string> symbols(256);
  for (int b = 0; b < 256; ++b) symbols[b] = code_point_utf8(stand_in[b]);
  return symbols;
}

// The order of the byte symbols in OpenAI's vocabulary: printable bytes
// first (in byte order), then the others.
std::vector<int> openai_byte_order() {
  std::vector<int> order;
  auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE); };
  for (int b = 0; b < 256; ++b)
    if (printable(b)) order.push_back(b);
  for (int b = 0; b < 256; ++b)
    if (!printable(b)) order.push_back(b);
  return order;
}

std::string read_gzip(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw Error(path.string() + ": cannot open the CLIP vocabulary");
  std::string data;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<size_t>(n));
  const bool failed = n < 0;
  gzclose(file);
  if (failed || data.empty()) throw Error(path.string() + ": not a readable gzip file (CLIP vocabulary)");
  return data;
}

// "left right" lines; the first line of both formats is a header.
std::vector<std::pair<std::string, std::string>> parse_merges(const std::string& text, size_t limit,
                                                              const fs::path& path) {
  std::vector<std::pair<std::string, std::string>> merges;
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // "#version: ..."
  while (merges.size() < limit && std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size()) {
      throw Error(path.string() + ": merge line " + std::to_string(merges.size() + 2) + " is not 'left right'");
    }
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  if (merges.empty()) throw Error(path.string() + ": holds no BPE merges");
  return merges;
}

const icu::RegexPattern& compiled(const char* pattern, uint32_t flags) {
  UErrorCode status = U_ZERO_ERROR;
  auto* regex = icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(pattern), flags, status);
  check(status, "compiling a pattern");
  return *regex;  // lives for the process; one per pattern
}

}  // namespace

std::string ClipTokenizer::clean_text(const std::string& text) {
  UErrorCode status = U_ZERO_ERROR;
  // basic_clean: ftfy.fix_text (NFC included), then html.unescape twice.
  icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(html_unescape(html_unescape(ftfy_fix_text(text))));
  // whitespace_clean: runs of white space → one space, trimmed.
  static const icu::RegexPattern& spaces = compiled(R"(\s+)", 0);
  std::unique_ptr<icu::RegexMatcher> matcher(spaces.matcher(unicode, status));
  check(status, "matching white space");
  unicode = matcher->replaceAll(" ", status);
  check(status, "collapsing white space");
  unicode.trim();
  unicode.toLower(icu::Locale::getRoot());
  return to_utf8(unicode);
}

void ClipTokenizer::finish(std::vector<std::pair<std::string, std::string>> merges) {
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    merge_rank_.emplace(merges[rank].first + " " + merges[rank].second, static_cast<int32_t>(rank));
  }
  byte_symbol_ = byte_symbols();
  for (int b = 0; b < 256; ++b) symbol_byte_.emplace(byte_symbol_[b], static_cast<unsigned char>(b));
  id_to_token_.assign(token_to_id_.size(), "");
  for (const auto& [token, id] : token_to_id_) {
    if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) {
      throw Error(source_.string() + ": token ids are not 0..N−1 (id " + std::to_string(id) + ")");
    }
    id_to_token_[id] = token;
  }
  auto special = [&](const char* name) {
    auto it = token_to_id_.find(name);
    if (it == token_to_id_.end()) throw Error(source_.string() + ": the vocabulary lacks " + std::string(name));
    return it->second;
  };
  start_id_ = special(kStart);
  end_id_ = special(kEnd);
  cache_ = std::make_shared<std::unordered_map<std::string, std::vector<std::string>>>();
}

ClipTokenizer ClipTokenizer::from_openai_merges(const fs::path& gz_file) {
  ClipTokenizer tokenizer;
  tokenizer.source_ = gz_file;
  auto merges = parse_merges(read_gzip(gz_file), kOpenAiMerges, gz_file);
  const auto symbols = byte_symbols();
  std::vector<std::string> vocabulary;
  for (int b : openai_byte_order()) vocabulary.push_back(symbols[b]);
  for (size_t i = 0; i < 256; ++i) vocabulary.push_back(vocabulary[i] + "</w>");
  for (const auto& [left, right] : merges) vocabulary.push_back(left + right);
  vocabulary.push_back(kStart);
  vocabulary.push_back(kEnd);
  for (size_t id = 0; id < vocabulary.size(); ++id) {
    tokenizer.token_to_id_.emplace(vocabulary[id], static_cast<int32_t>(id));
  }
  if (tokenizer.token_to_id_.size() != vocabulary.size()) {
    throw Error(gz_file.string() + ": the merge list repeats a token; not a CLIP vocabulary");
  }
  tokenizer.finish(std::move(merges));
  return tokenizer;
}

ClipTokenizer ClipTokenizer::from_hf_files(const fs::path& vocab_json, const fs::path& merges_txt) {
  ClipTokenizer tokenizer;
  tokenizer.source_ = vocab_json.parent_path();
  nlohmann::json vocabulary;
  try {
    vocabulary = nlohmann::json::parse(read_text_file(vocab_json));
  } catch (const nlohmann::json::exception& e) {
    throw Error(vocab_json.string() + ": not JSON (" + e.what() + ")");
  }
  if (!vocabulary.is_object()) throw Error(vocab_json.string() + ": not a {token: id} object");
  for (const auto& [token, id] : vocabulary.items()) {
    if (!id.is_number_integer()) throw Error(vocab_json.string() + ": the id of '" + token + "' is not an integer");
    tokenizer.token_to_id_.emplace(token, id.get<int32_t>());
  }
  tokenizer.finish(parse_merges(read_text_file(merges_txt), SIZE_MAX, merges_txt));
  return tokenizer;
}

ClipTokenizer ClipTokenizer::from_path(const fs::path& path) {
  if (fs::is_regular_file(path)) return from_openai_merges(path);
  if (fs::is_regular_file(path / "vocab.json") && fs::is_regular_file(path / "merges.txt")) {
    return from_hf_files(path / "vocab.json", path / "merges.txt");
  }
  if (fs::is_regular_file(path / "bpe_simple_vocab_16e6.txt.gz")) {
    return from_openai_merges(path / "bpe_simple_vocab_16e6.txt.gz");
  }
  throw Error(path.string() + ": holds no CLIP tokenizer (vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt.gz)");
}

std::vector<std::string> ClipTokenizer::bpe(const std::string& piece) const {
  if (auto hit = cache_->find(piece); hit != cache_->end()) return hit->second;
  std::vector<std::string> word;
  for (unsigned char byte : piece) word.push_back(byte_symbol_[byte]);
  word.back() += "</w>";
  while (word.size() > 1) {
    int32_t best_rank = INT32_MAX;
    size_t best = 0;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      auto it = merge_rank_.find(word[i] + " " + word[i + 1]);
      if (it != merge_rank_.end() && it->second < best_rank) best_rank = it->second, best = i;
    }
    if (best_rank == INT32_MAX) break;
    // Merge every occurrence of the best pair, left to right.
    const std::string left = word[best], right = word[best + 1];
    std::vector<std::string> merged;
    for (size_t i = 0; i < word.size(); ++i) {
      if (i + 1 < word.size() && word[i] == left && word[i + 1] == right) {
        merged.push_back(left + right);
        ++i;
      } else {
        merged.push_back(word[i]);
      }
    }
    word = std::move(merged);
  }
  if (cache_->size() < 100000) cache_->emplace(piece, word);
  return word;
}

std::vector<int32_t> ClipTokenizer::encode(const std::string& text) const {
  static const icu::RegexPattern& pieces = compiled(kPieces, UREGEX_CASE_INSENSITIVE);
  const icu::UnicodeString cleaned = icu::UnicodeString::fromUTF8(clean_text(text));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> matcher(pieces.matcher(cleaned, status));
  check(status, "splitting the prompt");
  std::vector<int32_t> ids;
  while (matcher->find(status)) {
    const std::string piece = to_utf8(matcher->group(status));
    check(status, "splitting the prompt");
    if (piece == kStart || piece == kEnd) {
      ids.push_back(piece == kStart ? start_id_ : end_id_);
      continue;
    }
    for (const std::string& token : bpe(piece)) {
      auto it = token_to_id_.find(token);
      if (it == token_to_id_.end()) throw Error(source_.string() + ": the vocabulary lacks the token '" + token + "'");
      ids.push_back(it->second);
    }
  }
  check(status, "splitting the prompt");
  return ids;
}

std::string ClipTokenizer::token_string(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) return "";
  return id_to_token_[id];
}

bool ClipTokenizer::ends_word(int32_t id) const {
  const std::string token = token_string(id);
  return token.size() >= 4 && token.compare(token.size() - 4, 4, "</w>") == 0;
}

std::string ClipTokenizer::token_text(int32_t id) const {
  std::string token = token_string(id);
  if (ends_word(id)) token.resize(token.size() - 4);
  if (id == start_id_ || id == end_id_) return token;
  // Each stand-in is one or two UTF-8 bytes; anything else is kept as it is.
  std::string text;
  for (size_t i = 0; i < token.size();) {
    bool matched = false;
    for (size_t length : {size_t(2), size_t(1)}) {
      if (i + length > token.size()) continue;
      auto it = symbol_byte_.find(token.substr(i, length));
      if (it == symbol_byte_.end()) continue;
      text.push_back(static_cast<char>(it->second));
      i += length;
      matched = true;
      break;
    }
    if (!matched) text.push_back(token[i++]);
  }
  return text;
}

std::vector<fs::path> clip_tokenizer_search_places(const fs::path& checkpoint, bool open_clip) {
  std::vector<fs::path> places;
  const fs::path folder = fs::is_directory(checkpoint) ? checkpoint : checkpoint.parent_path();
  places.push_back(folder / "tokenizer");
  places.push_back(folder);
  if (const char* set = std::getenv("DIFFSCOPE_CLIP_TOKENIZER"); set != nullptr && set[0] != '\0') {
    places.emplace_back(set);
  }
  // The Hugging Face hub cache: $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub.
  fs::path hub;
  if (const char* cache = std::getenv("HF_HUB_CACHE"); cache != nullptr && cache[0] != '\0') {
    hub = cache;
  } else if (const char* home = std::getenv("HF_HOME"); home != nullptr && home[0] != '\0') {
    hub = fs::path(home) / "hub";
  } else if (const char* user = std::getenv("HOME"); user != nullptr && user[0] != '\0') {
    hub = fs::path(user) / ".cache" / "huggingface" / "hub";
  }
  if (!hub.empty()) {
    const std::vector<std::pair<const char*, const char*>> repos =
        open_clip
            ? std::vector<std::pair<const char*, const char*>>{{"models--stabilityai--stable-diffusion-2-1",
                                                                "tokenizer"},
                                                               {"models--stabilityai--stable-diffusion-2-base",
                                                                "tokenizer"},
                                                               {"models--laion--CLIP-ViT-H-14-laion2B-s32B-b79K", ""}}
            : std::vector<std::pair<const char*, const char*>>{
                  {"models--openai--clip-vit-large-patch14", ""},
                  {"models--runwayml--stable-diffusion-v1-5", "tokenizer"}};
    for (const auto& [repo, sub] : repos) {
      std::error_code error;
      for (const auto& snapshot : fs::directory_iterator(hub / repo / "snapshots", error)) {
        places.push_back(sub[0] ? snapshot.path() / sub : snapshot.path());
      }
    }
  }
  return places;
}

std::optional<fs::path> find_clip_tokenizer(const fs::path& checkpoint, const std::string& explicit_path,
                                            bool open_clip) {
  if (!explicit_path.empty()) return fs::path(explicit_path);
  for (const fs::path& place : clip_tokenizer_search_places(checkpoint, open_clip)) {
    std::error_code error;
    if (fs::is_regular_file(place, error) && place.extension() == ".gz") return place;
    if (fs::is_regular_file(place / "vocab.json", error) && fs::is_regular_file(place / "merges.txt", error)) {
      return place;
    }
    if (fs::is_regular_file(place / "bpe_simple_vocab_16e6.txt.gz", error)) return place;
  }
  return std::nullopt;
}

}  // namespace diffscope
