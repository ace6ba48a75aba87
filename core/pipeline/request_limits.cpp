#include "core/pipeline/request_limits.h"

#include <string>

#include "core/common/errors.h"
#include "core/pipeline/request.h"

namespace diffscope {

void validate_limits(const Request& request) {
  using namespace limits;
  if (request.batch < kMinBatch || request.batch > kMaxBatch) {
    throw Error("the batch size must be between " + std::to_string(kMinBatch) + " and " + std::to_string(kMaxBatch));
  }
  if (request.steps < kMinSteps || request.steps > kMaxSteps) {
    throw Error("the number of steps must be between " + std::to_string(kMinSteps) + " and " +
                std::to_string(kMaxSteps));
  }
  if (request.cfg_scale && !(*request.cfg_scale >= kMinCfg && *request.cfg_scale <= kMaxCfg)) {
    throw Error("the CFG scale must be between 0 and 100");
  }
  if (request.eta && !(*request.eta >= kMinEta && *request.eta <= kMaxEta)) throw Error("η must be between 0 and 10");
  if (request.seed < 0) throw Error("the seed must not be negative");
  const VariationSeed& variation = request.variation;
  if (variation.seed < 0) throw Error("the variation seed must not be negative");
  if (!(variation.strength >= kMinVariationStrength && variation.strength <= kMaxVariationStrength)) {
    throw Error("the variation seed strength must be between 0 and 1");
  }
  for (int side : {variation.resize_from_width, variation.resize_from_height}) {
    if (side < 0 || side > kMaxImageSide) {
      throw Error("\"Seed resize from\" sides must be between 0 (off) and " + std::to_string(kMaxImageSide));
    }
  }
  if (request.clip_skip < kMinClipSkip || request.clip_skip > kMaxClipSkip) {
    throw Error("Clip skip must be between 1 and 12");
  }
  if (!(request.strength >= kMinStrength && request.strength <= kMaxStrength)) {
    throw Error("the img2img strength must be between 0.01 and 1");
  }
  check_mask_blur(request.mask_blur);
  if (!(request.inpainting_mask_weight >= kMinMaskWeight && request.inpainting_mask_weight <= kMaxMaskWeight)) {
    throw Error("the inpainting conditioning mask strength must be between 0 and 1");
  }
  if (request.inpaint_resample < kMinResample || request.inpaint_resample > kMaxResample) {
    throw Error("resampling runs each step between " + std::to_string(kMinResample) + " and " +
                std::to_string(kMaxResample) + " times");
  }
  if (!request.mask_image.empty() && request.init_image.empty()) {
    throw Error("an inpainting mask needs the image it paints into (the img2img start image)");
  }
  if (!(request.refiner_switch_at >= kMinRefinerSwitch && request.refiner_switch_at <= kMaxRefinerSwitch)) {
    throw Error("the refiner's switch point must be between 0.01 and 1 (a fraction of the steps)");
  }
  const SizeConditioning& sizes = request.size_conditioning;
  for (int side : {sizes.original_width, sizes.original_height, sizes.crop_left, sizes.crop_top, sizes.target_width,
                   sizes.target_height}) {
    if (side < 0 || side > kMaxConditioningSide) {
      throw Error("size and crop conditioning values must be between 0 and " + std::to_string(kMaxConditioningSide));
    }
  }
}

void check_mask_blur(int pixels) {
  using namespace limits;
  if (pixels >= kMinMaskBlur && pixels <= kMaxMaskBlur) return;
  throw Error("the mask blur must be between " + std::to_string(kMinMaskBlur) + " and " + std::to_string(kMaxMaskBlur) +
              " pixels, got " + std::to_string(pixels));
}

}  // namespace diffscope
