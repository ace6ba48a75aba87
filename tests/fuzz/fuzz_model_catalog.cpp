// The model catalog's JSON ($DIFFSCOPE_MODEL_CATALOG may name any file).
#include "core/net/model_catalog.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const std::string text(fuzz::as_text(data, size));
  fuzz::expect_clean([&] {
    for (const CatalogEntry& entry : parse_model_catalog(text)) (void)catalog_destination(entry, "/data");
  });
  return 0;
}
