// The safetensors reader: header length, JSON header, tensor table (dtypes,
// shapes, offsets, overlaps, metadata), then every tensor read whole.
#include <ATen/core/Tensor.h>

#include "core/io/safetensors.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto path = fuzz::write_input("input.safetensors", fuzz::as_text(data, size));
  fuzz::expect_clean([&] {
    const SafetensorsFile file = SafetensorsFile::open(path);
    for (const SafetensorsEntry& entry : file.entries()) {
      const at::Tensor tensor = file.tensor(entry.name);
      // Touch the first and last element: the bytes must be inside the file.
      if (tensor.numel() > 0) {
        (void)tensor.flatten()[0].item<double>();
        (void)tensor.flatten()[-1].item<double>();
      }
    }
    for (const auto& [key, value] : file.metadata()) (void)key.size(), (void)value.size();
  });
  return 0;
}
