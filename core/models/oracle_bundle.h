#pragma once
// The oracle model as a ModelBundle: works in pixel space (the "latent" is the
// image), conditions by restricting the set to images whose captions share the
// prompt's words, and decodes by identity.
#include <memory>
#include <string>

#include "core/data/emoji_set.h"
#include "core/models/model_bundle.h"
#include "core/models/oracle.h"

namespace diffscope {

class OracleBundle : public ModelBundle {
 public:
  static constexpr int kMinSide = 8, kMaxSide = 128;

  // The set is resized to width × height (each side within kMinSide..kMaxSide).
  OracleBundle(const ImageSet& set, int width, int height, const std::string& schedule_name, const c10::Device& device);

  // What the oracle is and can do; the same before and after it is built.
  static ModelInfo describe();

  ModelInfo info() const override { return describe(); }
  const NoiseSchedule& schedule() const override { return schedule_; }
  Network& network() override { return *network_; }
  at::Tensor encode_prompt(const std::string& prompt) override;
  std::vector<int64_t> latent_shape(int width, int height) const override;
  at::Tensor decode(const at::Tensor& latents) override { return latents; }
  at::Tensor encode_image(const at::Tensor& images) override { return images; }  // pixel space
  std::optional<PosteriorView> posterior(const at::Tensor& x_t, double t, const at::Tensor& context,
                                         int count) override;
  at::Tensor training_image(int index) override;

  OracleNetwork& oracle() { return *network_; }
  const std::vector<std::string>& captions() const { return captions_; }

 private:
  NoiseSchedule schedule_;
  std::vector<std::string> captions_;
  std::unique_ptr<OracleNetwork> network_;
  int width_, height_;
};

}  // namespace diffscope
