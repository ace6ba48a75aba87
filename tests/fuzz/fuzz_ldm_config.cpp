// The built-in model's JSON config (models/<name>.json) and its name aliases'
// file (<name>.aliases.json: aliases and the caption index), as the loader
// reads them, and the tokenizer they
// describe. The input is the config, then optionally "\n=====\n" and the
// aliases file.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/models/ldm/ldm_config.h"
#include "core/models/ldm/name_aliases_file.h"
#include "core/models/ldm/word_tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 2);
  const auto path = fuzz::write_input("model.json", parts[0]);
  const auto aliases_path = ldm::name_aliases_path(path);
  if (parts[1].empty()) {
    std::filesystem::remove(aliases_path);  // the scratch folder outlives one input
  } else {
    fuzz::write_input(aliases_path.filename().string(), parts[1]);
  }
  fuzz::expect_clean([&] {
    const ldm::LdmConfig config = ldm::load_config(path);
    (void)ldm::config_to_json(config);
    // Its tokenizer, name aliases and caption index included, reading a
    // prompt in several scripts.
    const ldm::WordTokenizer tokenizer(config.text.vocabulary, config.text.max_tokens, config.text.word_split,
                                       ldm::NameAliases(config.text.aliases), config.text.captions,
                                       config.text.caption_styles);
    (void)tokenizer.encode("Ein roter Apfel, 一根香蕉 and a BANANE\xff");
    (void)tokenizer.encode("a happy puppies, noto");
    (void)tokenizer.alias_uses("arc-en-ciel");
  });
  return 0;
}
