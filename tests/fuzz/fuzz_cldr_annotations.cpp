// Unicode CLDR's emoji annotation files (annotations/<lang>.xml), as
// diffscope-dataset reads them for the built-in model's captions.
#include "core/data/cldr_annotations.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const std::string xml(fuzz::as_text(data, size));
  fuzz::expect_clean([&] { (void)parse_cldr_annotations(xml, "fuzz.xml"); });
  return 0;
}
