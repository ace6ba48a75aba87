// The built-in model's JSON config (models/<name>.json), as the registry and
// the trainer load it, and the tokenizer it describes (name aliases included).
#include <nlohmann/json.hpp>

#include "core/models/ldm/ldm_config.h"
#include "core/models/ldm/word_tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto path = fuzz::write_input("model.json", fuzz::as_text(data, size));
  fuzz::expect_clean([&] {
    const ldm::LdmConfig config = ldm::load_config(path);
    (void)ldm::config_to_json(config);
    // Its tokenizer, name aliases included, reading a prompt in several scripts.
    const ldm::WordTokenizer tokenizer(config.text.vocabulary, config.text.max_tokens, config.text.word_split,
                                       ldm::NameAliases(config.text.aliases));
    (void)tokenizer.encode("Ein roter Apfel, 一根香蕉 and a BANANE\xff");
    (void)tokenizer.alias_uses("arc-en-ciel");
  });
  return 0;
}
