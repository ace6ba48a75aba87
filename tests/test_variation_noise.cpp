// Variation seeds and "Seed resize from" as AUTOMATIC1111 defines them
// (modules/rng.py): which seeds a batch's items get, the slerp's formula per
// (channel, column), the centred paste with Python's floor division, and that
// a stochastic sampler's later noise is untouched.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/common/errors.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/variation_noise.h"

namespace diffscope {
namespace {

const std::vector<int64_t> kShape = {4, 8, 8};

at::Tensor first_draw(int64_t seed, const std::vector<int64_t>& shape) {
  NoiseSource source(seed, 1);
  return source.draw(shape)[0];
}

at::Tensor noise_for(int64_t seed, int batch, const VariationSeed& variation, int pixels_per_latent = 8) {
  const auto seeds = batch_seeds(seed, batch, variation);
  NoiseSource source(seeds);
  return initial_noise(source, seeds, kShape, variation, pixels_per_latent);
}

TEST(VariationNoise, BatchSeedsAreSeedPlusIndexOrOneSeedWhenMixing) {
  EXPECT_EQ(batch_seeds(10, 3, {}), (std::vector<int64_t>{10, 11, 12}));
  VariationSeed variation;
  variation.seed = 99;
  variation.strength = 0.2;
  EXPECT_EQ(batch_seeds(10, 3, variation), (std::vector<int64_t>{10, 10, 10}));
  variation.strength = 0;  // a resize alone keeps seed + i, as A1111 does
  variation.resize_from_width = variation.resize_from_height = 64;
  EXPECT_EQ(batch_seeds(10, 2, variation), (std::vector<int64_t>{10, 11}));
}

TEST(VariationNoise, NoVariationIsThePlainNoiseBitForBit) {
  const at::Tensor x = noise_for(7, 2, {});
  EXPECT_TRUE(at::equal(x[0], first_draw(7, kShape)));
  EXPECT_TRUE(at::equal(x[1], first_draw(8, kShape)));
}

TEST(VariationNoise, StrengthOneIsTheVariationSeedsNoiseItemByItem) {
  VariationSeed variation;
  variation.seed = 500;
  variation.strength = 1.0;
  const at::Tensor x = noise_for(7, 2, variation);
  EXPECT_TRUE(at::allclose(x[0], first_draw(500, kShape), 1e-5, 1e-6));
  EXPECT_TRUE(at::allclose(x[1], first_draw(501, kShape), 1e-5, 1e-6));
}

// The formula, written out per (channel, column) in double precision.
TEST(VariationNoise, SlerpFollowsA1111sFormulaPerChannelAndColumn) {
  const double t = 0.3;
  const at::Tensor low = first_draw(1, kShape), high = first_draw(2, kShape);
  const at::Tensor mixed = slerp_noise(t, low, high);
  const auto a = low.to(at::kDouble).contiguous(), b = high.to(at::kDouble).contiguous();
  const auto pa = a.accessor<double, 3>(), pb = b.accessor<double, 3>();
  const auto pm = mixed.to(at::kDouble).contiguous();
  const auto out = pm.accessor<double, 3>();
  for (int64_t c = 0; c < kShape[0]; ++c) {
    for (int64_t col = 0; col < kShape[2]; ++col) {
      double na = 0, nb = 0, dot = 0;
      for (int64_t row = 0; row < kShape[1]; ++row) {
        na += pa[c][row][col] * pa[c][row][col];
        nb += pb[c][row][col] * pb[c][row][col];
        dot += pa[c][row][col] * pb[c][row][col];
      }
      const double omega = std::acos(dot / std::sqrt(na * nb));
      const double wa = std::sin((1 - t) * omega) / std::sin(omega), wb = std::sin(t * omega) / std::sin(omega);
      for (int64_t row = 0; row < kShape[1]; ++row) {
        EXPECT_NEAR(out[c][row][col], wa * pa[c][row][col] + wb * pb[c][row][col], 2e-5) << c << "," << row << "," << col;
      }
    }
  }
}

TEST(VariationNoise, IdenticalNoisesStayTheNoise) {
  const at::Tensor low = first_draw(3, kShape);
  EXPECT_TRUE(at::allclose(slerp_noise(0.4, low, low), low, 1e-6, 1e-6));
  EXPECT_THROW(slerp_noise(0.5, low, first_draw(3, {4, 8, 4})), Error);
}

TEST(VariationNoise, AStochasticSamplersLaterNoiseIsUntouched) {
  VariationSeed variation;
  variation.seed = 500;
  variation.strength = 0.5;
  variation.resize_from_width = variation.resize_from_height = 96;
  const auto seeds = batch_seeds(7, 1, variation);
  NoiseSource varied(seeds);
  initial_noise(varied, seeds, kShape, variation, 8);
  NoiseSource plain(7, 1);
  plain.draw(kShape);
  EXPECT_TRUE(at::equal(varied.draw(kShape), plain.draw(kShape)));
}

TEST(VariationNoise, ResizeFromSmallerPastesTheSmallNoiseCentred) {
  VariationSeed variation;
  variation.resize_from_width = 32;  // 4 latent columns of the 8
  variation.resize_from_height = 48;  // 6 latent rows
  const at::Tensor x = noise_for(7, 1, variation)[0];
  const at::Tensor plain = first_draw(7, kShape), small = first_draw(7, {4, 6, 4});
  using at::indexing::Slice;
  EXPECT_TRUE(at::equal(x.index({Slice(), Slice(1, 7), Slice(2, 6)}), small));
  EXPECT_TRUE(at::equal(x.index({Slice(), Slice(), Slice(0, 2)}), plain.index({Slice(), Slice(), Slice(0, 2)})));
  EXPECT_TRUE(at::equal(x.index({Slice(), Slice(0, 1)}), plain.index({Slice(), Slice(0, 1)})));
}

TEST(VariationNoise, ResizeFromLargerCropsTheCentreWithFloorDivision) {
  VariationSeed variation;
  variation.resize_from_width = 88;   // 11 columns: dx = floor(-3 / 2) = -2 → 7 columns from 2 on
  variation.resize_from_height = 80;  // 10 rows: dy = -1 → 8 rows from 1 on
  const at::Tensor x = noise_for(7, 1, variation)[0];
  const at::Tensor plain = first_draw(7, kShape), large = first_draw(7, {4, 10, 11});
  using at::indexing::Slice;
  EXPECT_TRUE(at::equal(x.index({Slice(), Slice(), Slice(0, 7)}), large.index({Slice(), Slice(1, 9), Slice(2, 9)})));
  EXPECT_TRUE(at::equal(x.index({Slice(), Slice(), Slice(7, 8)}), plain.index({Slice(), Slice(), Slice(7, 8)})));
}

TEST(VariationNoise, ResizeAndVariationTogetherMixAtTheResizedShape) {
  VariationSeed variation;
  variation.seed = 500;
  variation.strength = 1.0;
  variation.resize_from_width = variation.resize_from_height = 32;
  const at::Tensor x = noise_for(7, 1, variation)[0];
  using at::indexing::Slice;
  EXPECT_TRUE(at::allclose(x.index({Slice(), Slice(2, 6), Slice(2, 6)}), first_draw(500, {4, 4, 4}), 1e-5, 1e-6));
}

TEST(VariationNoise, ResizeBelowOneLatentPixelIsRefused) {
  VariationSeed variation;
  variation.resize_from_width = 4;
  variation.resize_from_height = 64;
  try {
    noise_for(7, 1, variation);
    FAIL() << "expected a refusal";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("Seed resize from 4x64"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace diffscope
