#pragma once
// The limits of a request that do not depend on the model, in one place: the
// engine checks them (Pipeline::plan), the CLI's options and the app's
// widgets take their ranges from here. Sizes come from the model (ModelInfo::sizes).
#include <cstdint>

namespace diffscope::limits {

inline constexpr int kMinBatch = 1, kMaxBatch = 64;
inline constexpr int kMinSteps = 1, kMaxSteps = 1000;
inline constexpr double kMinCfg = 0.0, kMaxCfg = 100.0;
inline constexpr double kMinEta = 0.0, kMaxEta = 10.0;
inline constexpr int kMinClipSkip = 1, kMaxClipSkip = 12;
// img2img strength: how much of the chain runs (the engine needs at least one step).
inline constexpr double kMinStrength = 0.01, kMaxStrength = 1.0;
// Inpainting's "Mask blur" in pixels (A1111's slider's range).
inline constexpr int kMinMaskBlur = 0, kMaxMaskBlur = 64;
// RePaint's resampling: runs per step (1: off; RePaint's paper used 10).
inline constexpr int kMinResample = 1, kMaxResample = 20;
// An inpainting model's conditioning mask strength (A1111's range).
inline constexpr double kMinMaskWeight = 0.0, kMaxMaskWeight = 1.0;
// Any side outside this is refused before a model is asked (CLI input checks).
inline constexpr int kMaxImageSide = 4096;
// SDXL's size and crop conditioning: the sizes a training image may have had
// (SDXL was trained on images well beyond its 1024² output).
inline constexpr int kMaxConditioningSide = 16384;
// The fraction of the steps after which the SDXL refiner takes over (A1111's range).
inline constexpr double kMinRefinerSwitch = 0.01, kMaxRefinerSwitch = 1.0;
// A1111's variation seed strength (0: the seed alone, 1: the variation seed alone).
inline constexpr double kMinVariationStrength = 0.0, kMaxVariationStrength = 1.0;

}  // namespace diffscope::limits

namespace diffscope {
struct Request;
// Error naming the first setting outside these limits (Pipeline::plan calls it).
void validate_limits(const Request& request);
// Error when `pixels` is outside kMinMaskBlur..kMaxMaskBlur (validate_limits
// and load_inpaint_mask call it).
void check_mask_blur(int pixels);
}  // namespace diffscope
