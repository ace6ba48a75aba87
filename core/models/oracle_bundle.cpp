#include "core/models/oracle_bundle.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/models/model_paths.h"
#include "core/text/caption_match.h"

namespace diffscope {
namespace {

// The emoji set (1,794 EmojiOne images, rounded up) and what the oracle holds
// per image: the uint8 source, the centred float copy and one cached
// conversion (three float copies).
constexpr uint64_t kSetImages = 1800;
constexpr uint64_t kFloatCopiesOfSet = 3;

}  // namespace

ModelInfo OracleBundle::describe() {
  ModelInfo info;
  info.kind = ModelKind::Oracle;
  info.name = kOracleModel;
  info.family = "oracle";
  info.prediction = Prediction::Sample;
  info.prediction_source = "exact posterior mean";
  info.text.encoder = "caption match";
  info.sizes = {kMinSide, kMaxSide, 1, 64};
  info.default_cfg = 1.0;  // samples its set exactly at 1
  info.default_steps = 20;
  info.schedule = "linear";
  info.schedule_selectable = true;  // it is exact for any schedule
  info.preview = PreviewMethod::Exact;
  info.weighs_training_images = true;
  info.options.image_to_image = true;  // its "latent" is the image itself
  // Its "weights" are the image set in pixel space; one call holds distances
  // and weights over the set and a handful of image-sized temporaries.
  info.memory.fixed_bytes_per_pixel = kSetImages * 3 * (1 + 4 * kFloatCopiesOfSet);
  info.memory.activation_bytes_per_item = kSetImages * 4 * 4;
  info.memory.activation_elements_per_item_pixel = 3 * 8;
  info.memory.history_bytes_per_item_pixel = 3 * (4 + 4 * 3);
  return info;
}

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

std::optional<PosteriorView> OracleBundle::posterior(const at::Tensor& x_t, double t, const at::Tensor& context,
                                                     int count) {
  const at::Tensor weights = network_->weights(x_t, t, context)[0].to(at::kDouble);
  PosteriorView view;
  // 0·ln 0 = 0: images the prompt excludes have no weight.
  view.entropy =
      std::max(0.0, -at::where(weights > 0, weights * weights.log(), at::zeros_like(weights)).sum().item<double>());
  const auto [values, indices] = weights.topk(std::min<int64_t>(count, weights.size(0)));
  const at::Tensor v = values.to(at::kCPU), ix = indices.to(at::kCPU);
  for (int64_t k = 0; k < v.size(0); ++k) {
    WeighedImage image;
    image.index = int(ix[k].item<int64_t>());
    image.weight = v[k].item<double>();
    if (image.weight <= 0) break;  // excluded by the prompt
    image.caption = captions_.at(size_t(image.index));
    view.top.push_back(std::move(image));
  }
  return view;
}

at::Tensor OracleBundle::training_image(int index) { return network_->image(index); }

}  // namespace diffscope
