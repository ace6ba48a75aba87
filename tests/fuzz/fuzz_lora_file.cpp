// A LoRA file: safetensors plus the module names, parts (down/up/alpha,
// PEFT's A/B, LoCon's convolutions), ranks and shapes LoraFile checks, and
// the names refused by format (LoHa, LoKr, …).
#include "core/models/adapters/lora_file.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto path = fuzz::write_input("input-lora.safetensors", fuzz::as_text(data, size));
  fuzz::expect_clean([&] { (void)LoraFile::looks_like_lora(path); });
  fuzz::expect_clean([&] { (void)LoraFile::open(path); });
  fuzz::expect_clean([&] { (void)lora_short_hash(path); });
  return 0;
}
