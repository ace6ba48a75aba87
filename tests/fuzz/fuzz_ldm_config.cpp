// The built-in model's JSON config (models/<name>.json), as the registry and
// the trainer load it.
#include <nlohmann/json.hpp>

#include "core/models/ldm/ldm_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto path = fuzz::write_input("model.json", fuzz::as_text(data, size));
  fuzz::expect_clean([&] {
    const ldm::LdmConfig config = ldm::load_config(path);
    (void)ldm::config_to_json(config);
  });
  return 0;
}
