// A1111's `parameters` text (prompt, "Negative prompt:", "Key: value, …")
// as a dropped PNG restores it; what parses must format again.
#include "core/pipeline/parameters_parse.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const std::string text(fuzz::as_text(data, size));
  fuzz::expect_clean([&] {
    const ParsedParameters parsed = parse_parameters(text);
    for (const auto& [key, value] : parsed.fields) (void)unquote_parameter_value(value);
  });
  return 0;
}
