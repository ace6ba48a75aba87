#include "core/models/oracle_bundle.h"

#include <ATen/ATen.h>

#include "core/common/errors.h"
#include "core/text/caption_match.h"

namespace diffscope {

OracleBundle::OracleBundle(const ImageSet& set, int width, int height, const std::string& schedule_name,
                           const c10::Device& device)
    : schedule_(NoiseSchedule::by_name(schedule_name)), captions_(set.captions), width_(width), height_(height) {
  if (width < kMinSide || width > kMaxSide || height < kMinSide || height > kMaxSide) {
    throw Error("the oracle model works from " + std::to_string(kMinSide) + " to " + std::to_string(kMaxSide) +
                " pixels a side; " + std::to_string(width) + "×" + std::to_string(height) + " was asked for");
  }
  at::Tensor images = images_to_model_range(set.images);
  if (images.size(2) != height || images.size(3) != width) {
    // Area averaging when shrinking (no aliasing), bilinear when enlarging.
    images = (height <= images.size(2) && width <= images.size(3))
                 ? at::adaptive_avg_pool2d(images, {height, width})
                 : at::upsample_bilinear2d(images, {height, width}, false);
  }
  network_ = std::make_unique<OracleNetwork>(images.to(device), schedule_);
}

at::Tensor OracleBundle::encode_prompt(const std::string& prompt) {
  return network_->restricted_to(match_captions(captions_, prompt));
}

std::vector<int64_t> OracleBundle::latent_shape(int width, int height) const {
  if (width != width_ || height != height_) throw Error("the oracle was prepared for another image size");
  return {3, height, width};
}

}  // namespace diffscope
