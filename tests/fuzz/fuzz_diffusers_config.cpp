// A diffusers folder's JSON: model_index.json, scheduler/scheduler_config.json
// (prediction type) and text_encoder/config.json (activation), as opening a
// folder reads them. Input: the three files split by "\n=====\n".
#include "core/models/few_step.h"
#include "core/models/sd/sd_checkpoint.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 3);
  const auto folder = fuzz::scratch_dir() / "model";
  fuzz::write_input("model/model_index.json", parts[0]);
  fuzz::write_input("model/scheduler/scheduler_config.json", parts[1]);
  fuzz::write_input("model/text_encoder/config.json", parts[2]);
  fuzz::expect_clean([&] { (void)sd::scheduler_prediction(folder); });
  fuzz::expect_clean([&] { (void)sd::text_uses_quick_gelu(folder / "text_encoder"); });
  fuzz::expect_clean([&] { (void)detect_few_step(folder, {}); });
  return 0;
}
