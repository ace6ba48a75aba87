// The built-in model's networks and weights file.
#include "core/models/ldm/ldm_model.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/io/safetensors.h"
#include "tests/support/ldm_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
using namespace diffscope::ldm;

namespace {

LdmModel tiny_model(uint64_t seed = 7) {
  torch::manual_seed(seed);
  return LdmModel(support::tiny_ldm_config({"red apple", "green pear, noto"}));
}

void save(const LdmModel& model, const support::TempDir& dir) { model.save(dir / "m.json", dir / "m.safetensors"); }

}  // namespace

TEST(LdmModel, NetworksHaveTheShapesTheConfigSays) {
  LdmModel model = tiny_model();
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::rand({2, 3, 32, 32}) * 2 - 1;
  auto [mean, log_var] = model.autoencoder->encoder->forward(images);
  EXPECT_EQ(mean.sizes(), (std::vector<int64_t>{2, 4, 8, 8}));
  EXPECT_EQ(log_var.sizes(), mean.sizes());
  EXPECT_EQ(model.decode_latents(mean).sizes(), images.sizes());
  const torch::Tensor context = model.text_encoder->forward(model.tokenize({"red apple", ""}));
  EXPECT_EQ(context.sizes(), (std::vector<int64_t>{2, 8, 16}));
  const torch::Tensor v = model.unet->forward(mean, torch::tensor({10.0f, 900.5f}), context);
  EXPECT_EQ(v.sizes(), mean.sizes());
  // The timestep and the text both change the output.
  EXPECT_FALSE(torch::allclose(v[0], model.unet->forward(mean, torch::tensor({500.0f, 900.5f}), context)[0]));
  const torch::Tensor other = model.text_encoder->forward(model.tokenize({"green pear", ""}));
  EXPECT_FALSE(torch::allclose(v[0], model.unet->forward(mean, torch::tensor({10.0f, 900.5f}), other)[0]));
}

TEST(LdmModel, SaveLoadRoundTripKeepsEveryWeight) {
  support::TempDir dir;
  LdmModel model = tiny_model();
  model.config.latent_scale = 0.75;
  save(model, dir);
  LdmModel loaded = LdmModel::load(dir / "m.json", dir / "m.safetensors");
  EXPECT_DOUBLE_EQ(loaded.config.latent_scale, 0.75);
  const auto a = model.tensors(), b = loaded.tensors();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, tensor] : a) EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
  EXPECT_FALSE(loaded.unet->is_training());
}

TEST(LdmModel, RefusesWeightsThatDoNotFitTheConfig) {
  support::TempDir dir;
  LdmModel model = tiny_model();
  save(model, dir);
  auto tensors = model.tensors();

  auto expect_refused = [&](std::map<std::string, at::Tensor> changed, const std::string& mention) {
    write_safetensors(dir / "bad.safetensors", changed);
    try {
      LdmModel::load(dir / "m.json", dir / "bad.safetensors");
      ADD_FAILURE() << "loaded weights that should be refused (" << mention << ")";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
    }
  };
  auto missing = tensors;
  missing.erase("unet.conv_out.weight");
  expect_refused(missing, "unet.conv_out.weight");
  auto reshaped = tensors;
  reshaped["unet.conv_out.weight"] = torch::zeros({3, 3});
  expect_refused(reshaped, "unet.conv_out.weight");
  auto extra = tensors;
  extra["unet.surprise"] = torch::zeros({1});
  expect_refused(extra, "unet.surprise");
  auto poisoned = tensors;
  poisoned["unet.conv_in.bias"] = torch::full_like(tensors.at("unet.conv_in.bias"), NAN);
  expect_refused(poisoned, "NaN");
  auto integers = tensors;
  integers["unet.conv_in.bias"] = torch::zeros_like(tensors.at("unet.conv_in.bias"), torch::kLong);
  expect_refused(integers, "floating point");
}

TEST(LdmModel, PreviewDecoderWeightsLoadWithTheirConfigOnly) {
  support::TempDir dir;
  LdmModel model = tiny_model();
  EXPECT_FALSE(model.has_preview_decoder());
  const size_t plain = model.tensors().size();
  model.add_preview_decoder({{8, 4}});
  ASSERT_TRUE(model.has_preview_decoder());
  EXPECT_EQ(model.tensors().size(), plain + 10);
  const torch::Tensor latents = torch::randn({2, 4, 8, 8});
  EXPECT_EQ(model.preview_latents(latents).sizes(), model.decode_latents(latents).sizes());
  save(model, dir);
  LdmModel loaded = LdmModel::load(dir / "m.json", dir / "m.safetensors");
  ASSERT_TRUE(loaded.has_preview_decoder());
  EXPECT_TRUE(torch::equal(loaded.tensors().at("preview_decoder.conv_out.weight"),
                           model.tensors().at("preview_decoder.conv_out.weight")));
  // The config names it but the weights lack it, or the other way round: refused by name.
  auto tensors = model.tensors();
  tensors.erase("preview_decoder.up.weight");
  write_safetensors(dir / "lacking.safetensors", tensors);
  try {
    LdmModel::load(dir / "m.json", dir / "lacking.safetensors");
    ADD_FAILURE() << "loaded a model without its preview decoder's weights";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("preview_decoder.up.weight"), std::string::npos) << e.what();
  }
  save_config(tiny_model().config, dir / "m.json");  // m.safetensors still holds one
  EXPECT_THROW(LdmModel::load(dir / "m.json", dir / "m.safetensors"), Error);
}

TEST(LdmModel, PooledTextJoinsTheTimestepEmbeddingAndNothingElse) {
  LdmModel plain = tiny_model();
  ldm::LdmConfig config = plain.config;
  config.unet.pooled_text = true;
  torch::manual_seed(7);
  LdmModel pooled(config);
  const auto weights = pooled.tensors();
  const torch::Tensor& projection = weights.at("unet.text_to_time.weight");
  EXPECT_EQ(projection.sizes(), (std::vector<int64_t>{config.unet.time_dim, config.text.width}));
  EXPECT_EQ(weights.size(), plain.tensors().size() + 2);
  EXPECT_EQ(plain.tensors().count("unet.text_to_time.weight"), 0u);

  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : plain.tensors()) weights.at(name).copy_(tensor);  // all else equal
  const torch::Tensor x = torch::randn({2, 4, 8, 8}), t = torch::tensor({10.0f, 700.0f});
  const torch::Tensor context = plain.text_encoder->forward(plain.tokenize({"red apple", ""}));
  const torch::Tensor with_text = pooled.unet->forward(x, t, context);
  EXPECT_FALSE(torch::allclose(with_text, plain.unet->forward(x, t, context)));
  // With the projection at zero the pooled path adds nothing: the same network.
  weights.at("unet.text_to_time.weight").zero_();
  weights.at("unet.text_to_time.bias").zero_();
  EXPECT_TRUE(torch::equal(pooled.unet->forward(x, t, context), plain.unet->forward(x, t, context)));
}

TEST(LdmModel, PooledTextWeightsLoadWithTheirConfigOnly) {
  support::TempDir dir;
  ldm::LdmConfig config = tiny_model().config;
  config.unet.pooled_text = true;
  LdmModel pooled(config);
  save(pooled, dir);
  LdmModel loaded = LdmModel::load(dir / "m.json", dir / "m.safetensors");
  EXPECT_TRUE(loaded.config.unet.pooled_text);
  EXPECT_TRUE(
      torch::equal(loaded.tensors().at("unet.text_to_time.weight"), pooled.tensors().at("unet.text_to_time.weight")));
  save_config(tiny_model().config, dir / "m.json");  // the weights still carry the projection
  try {
    LdmModel::load(dir / "m.json", dir / "m.safetensors");
    ADD_FAILURE() << "loaded pooled-text weights under a config without it";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unet.text_to_time"), std::string::npos) << e.what();
  }
}

TEST(LdmModel, TruncatedWeightsFileIsAClearError) {
  support::TempDir dir;
  save(tiny_model(), dir);
  const auto size = std::filesystem::file_size(dir / "m.safetensors");
  std::filesystem::resize_file(dir / "m.safetensors", size / 2);
  EXPECT_THROW(LdmModel::load(dir / "m.json", dir / "m.safetensors"), Error);
}

TEST(LdmModel, SameSeedSameWeights) {
  const auto a = tiny_model(3).tensors(), b = tiny_model(3).tensors(), c = tiny_model(4).tensors();
  for (const auto& [name, tensor] : a) EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
  EXPECT_FALSE(torch::equal(a.at("unet.conv_in.weight"), c.at("unet.conv_in.weight")));
}
