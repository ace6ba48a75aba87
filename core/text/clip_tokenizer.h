#pragma once
// CLIP's byte-level BPE tokenizer (Radford et al. 2021, OpenAI's SimpleTokenizer
// algorithm): the text is cleaned (NFC, HTML entities, whitespace collapsed,
// lower-cased), split into words, numbers and symbol runs, each piece's UTF-8
// bytes mapped to printable characters and merged by the BPE merge list. Both
// vocabulary formats are read: OpenAI's bpe_simple_vocab_16e6.txt.gz and
// Hugging Face's vocab.json + merges.txt. Unicode work is ICU's.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace diffscope {

class ClipTokenizer {
 public:
  // OpenAI's merge list (gzip): the 256 byte symbols, them with "</w>", the
  // 48,894 merges, then <|startoftext|> and <|endoftext|>.
  static ClipTokenizer from_openai_merges(const std::filesystem::path& gz_file);
  // Hugging Face's tokenizer files.
  static ClipTokenizer from_hf_files(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);
  // Whichever format the folder holds (vocab.json + merges.txt, or the .gz),
  // or a path to the .gz itself; Error when it holds neither.
  static ClipTokenizer from_path(const std::filesystem::path& path);

  // Token ids of a text, without the start and end tokens.
  std::vector<int32_t> encode(const std::string& text) const;
  // Vocabulary strings of the ids (for tests and the UI's token view).
  std::string token_string(int32_t id) const;
  // The text a token stands for, as UTF-8: byte stand-ins turned back into
  // bytes, the word-end mark "</w>" dropped (word labels of heat maps).
  std::string token_text(int32_t id) const;
  // Whether the token ends a word ("</w>").
  bool ends_word(int32_t id) const;

  int32_t start_id() const { return start_id_; }
  int32_t end_id() const { return end_id_; }
  size_t vocabulary_size() const { return id_to_token_.size(); }
  const std::filesystem::path& source() const { return source_; }

  // The cleaning CLIP applies before splitting (exposed for tests).
  static std::string clean_text(const std::string& text);

 private:
  ClipTokenizer() = default;
  void finish(std::vector<std::pair<std::string, std::string>> merges);
  std::vector<std::string> bpe(const std::string& piece) const;

  std::unordered_map<std::string, int32_t> token_to_id_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, int32_t> merge_rank_;         // "left right" → rank
  std::vector<std::string> byte_symbol_;                        // byte → its printable stand-in (UTF-8)
  std::unordered_map<std::string, unsigned char> symbol_byte_;  // and back
  int32_t start_id_ = -1, end_id_ = -1;
  std::filesystem::path source_;
  mutable std::shared_ptr<std::unordered_map<std::string, std::vector<std::string>>> cache_;
};

// Where the CLIP tokenizer files for a checkpoint are, in order: `explicit_path`
// (a setting or flag) when given; the checkpoint's diffusers folder
// (tokenizer/); a tokenizer/ folder or the files next to a single-file
// checkpoint; $DIFFSCOPE_CLIP_TOKENIZER; the user's Hugging Face cache
// (openai/clip-vit-large-patch14 for SD 1.x, stabilityai/stable-diffusion-2-1
// and its tokenizer/ for SD 2.x). The vocabulary is not shipped with DiffScope.
std::optional<std::filesystem::path> find_clip_tokenizer(const std::filesystem::path& checkpoint,
                                                         const std::string& explicit_path, bool open_clip);

// Every place find_clip_tokenizer looks, for the error message.
std::vector<std::filesystem::path> clip_tokenizer_search_places(const std::filesystem::path& checkpoint,
                                                                bool open_clip);

}  // namespace diffscope
