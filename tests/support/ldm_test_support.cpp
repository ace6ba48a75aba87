#include "tests/support/ldm_test_support.h"

#include <ATen/ATen.h>

#include "core/models/ldm/word_tokenizer.h"

namespace diffscope::support {

std::unique_ptr<LdmBundle> tiny_ldm_bundle(const EmojiPairs& pairs) {
  torch::manual_seed(5);
  auto model = std::make_shared<ldm::LdmModel>(tiny_ldm_config(pairs.captions));
  return std::make_unique<LdmBundle>(model, c10::Device(c10::kCPU));
}

ldm::LdmConfig tiny_ldm_config(const std::vector<std::string>& captions) {
  ldm::LdmConfig config;
  config.name = "tiny-test";
  config.image_size = 32;
  config.autoencoder.encoder_channels = {8, 8};
  config.autoencoder.decoder_channels = {8, 8};
  config.text.vocabulary = ldm::build_vocabulary(captions);
  config.text.max_tokens = 8;
  config.text.width = 16;
  config.text.layers = 1;
  config.text.heads = 2;
  config.unet.channels = {8, 8, 16};
  config.unet.heads = 2;
  config.unet.time_dim = 16;
  return config;
}

EmojiPairs synthetic_pairs(int64_t n) {
  const char* colours[] = {"red", "green", "blue", "yellow"};
  EmojiPairs pairs;
  at::Tensor images = at::full({n, 32, 32, 3}, 255, at::kByte);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = i % 4, top = (i * 7) % 16, left = (i * 5) % 16;
    at::Tensor blob = images[i].slice(0, top, top + 12).slice(1, left, left + 12);
    blob.fill_(40);
    blob.select(2, c % 3).fill_(220);
    const bool held_out = i % 5 == 4;
    const std::string style = i % 2 == 0 ? "emojione" : "noto";
    const std::string name = std::string(colours[c]) + " blob number " + std::to_string(i);
    pairs.keys.push_back("k" + std::to_string(i));
    pairs.names.push_back(name);
    pairs.styles.push_back(style);
    pairs.captions.push_back(name + (held_out ? ", heldoutonly, " : ", shape, ") + style);
    pairs.held_out.push_back(held_out);
  }
  pairs.images = images;
  return pairs;
}

}  // namespace diffscope::support
