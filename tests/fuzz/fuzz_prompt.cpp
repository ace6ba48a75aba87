// A prompt as typed: A1111's emphasis syntax ((word:1.2), [word], BREAK,
// escapes), prompt editing and alternation ([a:b:3], [a|b]), <lora:NAME:W>
// tags, textual-inversion names (chunked whole, written in and taken out),
// CLIP's text cleaning (NFC, HTML entities, whitespace) and BPE,
// chunked into 75-token pieces, and the chunks' words (word heat maps); the
// built-in model's word split (bytes and Unicode rules). The
// CLIP vocabulary comes from ../shared ($DIFFSCOPE_SHARED_DIR); without it
// only the syntax is fuzzed.
#include <cstdlib>
#include <memory>

#include "core/models/adapters/embedding_prompt.h"
#include "core/models/adapters/lora_prompt.h"
#include "core/models/ldm/nearest_caption.h"
#include "core/models/ldm/word_tokenizer.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/prompt_chunks.h"
#include "core/text/prompt_schedule.h"
#include "core/text/prompt_words.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

const diffscope::ClipTokenizer* tokenizer() {
  static const std::unique_ptr<diffscope::ClipTokenizer> loaded = []() -> std::unique_ptr<diffscope::ClipTokenizer> {
    const char* shared = std::getenv("DIFFSCOPE_SHARED_DIR");
    const std::filesystem::path vocabulary =
        std::filesystem::path(shared ? shared : "../shared") / "data/clip/bpe_simple_vocab_16e6.txt.gz";
    if (!std::filesystem::exists(vocabulary)) return nullptr;
    return std::make_unique<diffscope::ClipTokenizer>(diffscope::ClipTokenizer::from_openai_merges(vocabulary));
  }();
  return loaded.get();
}

// A few emoji's words, as the built-in model's caption index holds them.
const diffscope::ldm::NearestCaption& captions() {
  static const diffscope::ldm::NearestCaption index(
      {{"red apple", {"apple fruit red 苹 果"}}, {"dog face", {"dog face pet puppy"}}, {"a button", {"a letter"}}},
      {"noto"}, [](const std::string& text) { return split_words(text, diffscope::ldm::WordSplit::Unicode); });
  return index;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const std::string prompt(fuzz::as_text(data, size));
  fuzz::expect_clean([&] {
    (void)parse_prompt_emphasis(prompt);
    if (has_prompt_schedule(prompt)) {
      for (int step : {1, 2, 7}) (void)parse_prompt_emphasis(prompt_at_step(prompt, step, 7));
      for (int call : {0, 13}) (void)prompt_at_call(prompt, call, 14);
    }
    (void)lora_tags(prompt);
    const std::string plain = without_lora_tags(prompt);
    // The built-in model's words, by both of its rules, and the nearest caption.
    (void)ldm::split_words(plain, ldm::WordSplit::Bytes);
    (void)captions().match(ldm::split_words(plain, ldm::WordSplit::Unicode));
    (void)with_lora_weight(prompt, "detail", 0.5, true);
    (void)names_embedding(prompt, "EasyNegative");
    (void)with_embedding(prompt, "EasyNegative", true);
    (void)with_embedding(prompt, "EasyNegative", false);
    if (const ClipTokenizer* clip = tokenizer()) {
      (void)ClipTokenizer::clean_text(plain);
      for (int32_t id : clip->encode(plain)) (void)clip->token_string(id), (void)clip->token_text(id);
      // The words of word heat maps, read from the chunks.
      (void)clip_prompt_words(chunk_prompt(plain, *clip), *clip);
      // Textual inversions: names of one and two tokens, one as long as a chunk.
      ChunkOptions options;
      options.embeddings = {{clip->encode("easy"), 3}, {clip->encode("easynegative"), 75}, {clip->encode("cat"), 1}};
      const std::vector<TokenChunk> chunks = chunk_prompt(plain, *clip, options);
      for (const TokenChunk& chunk : chunks) {
        // Every embedding's places lie inside its chunk's 75 tokens.
        for (const EmbeddingPlace& place : chunk.embeddings) {
          if (chunk.ids.size() != 77 || place.position < 1 || place.position + place.vectors > 76) std::abort();
        }
      }
      (void)clip_prompt_words(chunks, *clip, {"easy", "easynegative", "cat"});
    }
  });
  return 0;
}
