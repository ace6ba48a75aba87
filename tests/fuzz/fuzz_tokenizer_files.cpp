// Hugging Face's tokenizer files (vocab.json, merges.txt) and OpenAI's
// gzipped merge list, as --tokenizer or a checkpoint's tokenizer/ folder gives
// them. Input: vocab.json, "\n=====\n", merges.txt, "\n=====\n", the .gz.
#include "core/text/clip_tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 3);
  const auto vocab = fuzz::write_input("tokenizer/vocab.json", parts[0]);
  const auto merges = fuzz::write_input("tokenizer/merges.txt", parts[1]);
  const auto gz = fuzz::write_input("bpe_simple_vocab_16e6.txt.gz", parts[2]);
  const auto use = [](const ClipTokenizer& tokenizer) {
    for (int32_t id : tokenizer.encode("a photo of an astronaut, (riding:1.2) a horse &amp; 🐴"))
      (void)tokenizer.token_string(id);
  };
  fuzz::expect_clean([&] { use(ClipTokenizer::from_hf_files(vocab, merges)); });
  fuzz::expect_clean([&] { use(ClipTokenizer::from_openai_merges(gz)); });
  return 0;
}
