// A torch.save archive read as data: the ZIP container (stored entries,
// offsets and sizes), the pickle machine (opcodes, marks, memo, the allowed
// names, persistent storages) and tensors rebuilt from strided storages.
// Anything but a diffscope::Error — a crash, a leak, a read past a buffer —
// is a finding.
#include "core/io/torch_pickle.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto path = fuzz::write_input("input.pt", fuzz::as_text(data, size));
  fuzz::expect_clean([&] {
    const auto pickle = TorchPickle::open(path, 1 << 20);
    const PickleValue& root = pickle->root();
    (void)root.get("string_to_param");
    for (const auto& [key, value] : root.dict) {
      if (value->kind == PickleValue::Kind::Tensor) (void)value->tensor.sum();
    }
  });
  return 0;
}
