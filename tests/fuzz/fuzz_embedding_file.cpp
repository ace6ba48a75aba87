// A textual-inversion file: safetensors plus the layouts EmbeddingFile
// reads (emb_params, one tensor, clip_l + clip_g), their shapes and dtypes,
// the vectors read to float32 (NaN refused), and the file's short hash.
#include "core/models/adapters/embedding_file.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto path = fuzz::write_input("input-embedding.safetensors", fuzz::as_text(data, size));
  fuzz::expect_clean([&] { (void)EmbeddingFile::open_in_folder(path); });
  fuzz::expect_clean([&] {
    const EmbeddingFile file = EmbeddingFile::open(path);
    (void)file.describe();
    (void)file.read();
  });
  fuzz::expect_clean([&] { (void)embedding_short_hash(path); });
  return 0;
}
