#include "core/models/model_info.h"

#include <cstdlib>
#include <optional>

#include "core/common/errors.h"
#include "core/common/runtime.h"
#include "core/common/torch_compat.h"

namespace diffscope {

bool SizeRule::accepts(int width, int height) const {
  for (int side : {width, height}) {
    if (side < min_side || side > max_side || side % multiple != 0) return false;
  }
  return true;
}

std::string SizeRule::describe() const {
  if (fixed()) return std::to_string(min_side) + "×" + std::to_string(min_side) + " only";
  std::string text = "sides from " + std::to_string(min_side) + " to " + std::to_string(max_side) + " px";
  if (multiple > 1) text += " in multiples of " + std::to_string(multiple);
  return text;
}

namespace {

// $DIFFSCOPE_PRECISION: a process-wide preference for `auto` (benchmarks,
// experiments), honoured where the model can run it.
std::optional<at::ScalarType> environment_precision() {
  const char* asked = std::getenv("DIFFSCOPE_PRECISION");
  if (asked == nullptr || asked[0] == '\0') return std::nullopt;
  const std::string name = asked;
  if (name == "float32") return at::kFloat;
  if (name == "bfloat16") return at::kBFloat16;
  throw Error("DIFFSCOPE_PRECISION must be float32 or bfloat16, not '" + name + "'");
}

}  // namespace

at::ScalarType resolve_precision(Precision asked, const ModelInfo& info, const c10::Device& device) {
  const PrecisionSupport& can = info.precisions;
  switch (asked) {
    case Precision::Auto:
      if (const auto preferred = environment_precision()) {
        if (*preferred == at::kFloat || can.bfloat16) return *preferred;
      }
      if (!can.prefers_16bit) return at::kFloat;
      // float16 on CUDA; bfloat16 where the CPU computes it natively (about
      // twice as fast for Stable Diffusion, docs/PERFORMANCE.md), else the
      // float32 reference.
      if (device.is_cuda() && can.float16_cuda) return at::kHalf;
      if (device.is_cpu() && can.bfloat16 && cpu_has_bf16_instructions()) return at::kBFloat16;
      return at::kFloat;
    case Precision::Float32: return at::kFloat;
    case Precision::BFloat16:
      if (!can.bfloat16) throw Error("the model '" + info.name + "' computes in float32 only; choose auto or float32");
      return at::kBFloat16;
    case Precision::Float16:
      if (!can.float16_cuda) {
        throw Error("the model '" + info.name + "' has no float16 mode; choose auto, float32" +
                    std::string(can.bfloat16 ? " or bfloat16" : ""));
      }
      if (!device.is_cuda() && !torch_compat::kHasCpuFloat16) {
        throw Error("float16 on the CPU needs LibTorch 2 (this is " + torch_compat::version() +
                    ", which has no float16 CPU kernels); use bfloat16");
      }
      return at::kHalf;
  }
  throw Error("unknown precision");
}

}  // namespace diffscope
