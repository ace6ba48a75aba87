// A1111's "Masked content": its names, Pillow's Gaussian blur and A1111's
// fill (against Pillow's own output, tests/tools/make_fill_reference.py), and
// what the latent kinds put into the masked part.
#include "core/pipeline/masked_content.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/io/png_image.h"
#include "core/sampling/noise_source.h"
#include "tests/support/test_support.h"

namespace diffscope {
namespace {

at::Tensor reference(const std::string& name) {
  return read_png_rgb((support::source_dir() / "tests/data/masked_fill" / name).string());
}

// The mask PNG's grey level in [0, 1] (every channel of a grey PNG read as RGB is the same).
at::Tensor reference_mask() { return reference("mask.png").select(2, 0).to(at::kFloat) / 255.0; }

TEST(MaskedContent, NamesAreA1111sAndRoundTrip) {
  for (const MaskedContent content :
       {MaskedContent::Fill, MaskedContent::Original, MaskedContent::LatentNoise, MaskedContent::LatentNothing}) {
    EXPECT_EQ(parse_masked_content(masked_content_name(content)), content);
  }
  EXPECT_EQ(masked_content_name(MaskedContent::LatentNoise), "latent noise");
  EXPECT_EQ(parse_masked_content("latent-nothing"), MaskedContent::LatentNothing);  // a command line's spelling
  EXPECT_EQ(parse_masked_content("latent_noise"), MaskedContent::LatentNoise);
  EXPECT_FALSE(parse_masked_content("noise"));
  EXPECT_FALSE(parse_masked_content(""));
}

TEST(MaskedContent, BlurIsPillowsGaussianBlur) {
  const at::Tensor start = reference("start.png").permute({2, 0, 1}).to(at::kFloat);
  EXPECT_TRUE(at::equal(pillow_gaussian_blur(start, 0), start));
  for (const int radius : {5, 16}) {
    const at::Tensor ours = pillow_gaussian_blur(start, radius).round().permute({1, 2, 0});
    const at::Tensor pillow = reference("blur" + std::to_string(radius) + ".png").to(at::kFloat);
    // Pillow rounds to 8 bits between its passes: at most one level apart.
    EXPECT_LE((ours - pillow).abs().max().item<float>(), 1.0f) << "radius " << radius;
  }
}

TEST(MaskedContent, BlurKeepsMassAndHasTheRadiusAsItsSpread) {
  // An impulse far from the edges spreads into a bell of standard deviation ≈ radius.
  at::Tensor line = at::zeros({1, 401}, at::kDouble);
  line[0][200] = 1.0;  // one row: the column pass only averages it with itself
  const double radius = 12.5;
  const at::Tensor row = pillow_gaussian_blur(line.unsqueeze(0), radius).squeeze();
  EXPECT_NEAR(row.sum().item<double>(), 1.0, 1e-6);  // float32's running sums
  const at::Tensor x = at::arange(401, at::kDouble) - 200;
  EXPECT_NEAR(std::sqrt((row * x * x).sum().item<double>()), radius, 0.01 * radius);
  EXPECT_TRUE(at::allclose(row, row.flip(0), 0, 1e-7)) << "symmetric";
  // Edges repeat the edge pixel: a constant image stays constant to the last pixel.
  const at::Tensor flat = at::full({3, 20, 30}, 77.0, at::kDouble);
  EXPECT_TRUE(at::allclose(pillow_gaussian_blur(flat, 64), flat, 0, 1e-3));
}

TEST(MaskedContent, FillMatchesA1111sFillDoneWithPillow) {
  const at::Tensor start = reference("start.png"), mask = reference_mask();
  const at::Tensor ours = fill_masked_area(start, mask);
  ASSERT_EQ(ours.sizes(), start.sizes());
  ASSERT_EQ(ours.scalar_type(), at::kByte);
  const at::Tensor outside = (mask <= 0).unsqueeze(-1).expand_as(start);
  EXPECT_TRUE(at::equal(ours.masked_select(outside), start.masked_select(outside))) << "unmasked pixels as they were";
  // Pillow keeps 8 bits between its steps (premultiplied, then divided back):
  // measured here 5 levels at most, 0.28 on average.
  const at::Tensor difference = (ours.to(at::kFloat) - reference("filled.png").to(at::kFloat)).abs();
  EXPECT_LE(difference.max().item<float>(), 6.0f);
  EXPECT_LE(difference.mean().item<float>(), 0.5f);
  // And the masked part is really painted: far from the start image there.
  const at::Tensor inside = (mask >= 1).unsqueeze(-1).expand_as(start);
  const at::Tensor change = (ours.to(at::kFloat) - start.to(at::kFloat)).abs().masked_select(inside);
  EXPECT_GT(change.mean().item<float>(), 10.0f);
}

TEST(MaskedContent, FillPaintsWithTheColoursAround) {
  // Left half red, right half masked: the fill is red through and through.
  at::Tensor start = at::zeros({16, 24, 3}, at::kByte);
  start.slice(1, 0, 12).select(2, 0).fill_(200);
  start.slice(1, 12).select(2, 2).fill_(255);  // blue under the mask: never seen
  at::Tensor mask = at::zeros({16, 24});
  mask.slice(1, 12).fill_(1.0);
  const at::Tensor filled = fill_masked_area(start, mask);
  EXPECT_TRUE(at::equal(filled.slice(1, 12).select(2, 0), at::full({16, 12}, 200, at::kByte)));
  EXPECT_EQ(filled.slice(1, 12).select(2, 2).max().item<int>(), 0);
  // Nothing unmasked to take colours from: black, as Pillow leaves it.
  EXPECT_EQ(fill_masked_area(start, at::ones({16, 24})).max().item<int>(), 0);
}

TEST(MaskedContent, LatentKindsReplaceOnlyTheMaskedPart) {
  const at::Tensor known = at::randn({2, 4, 6, 8}, at::kFloat);
  at::Tensor repaint = at::zeros({1, 1, 6, 8});
  repaint.slice(3, 4).fill_(1.0);
  const std::vector<int64_t> seeds{7, 8};
  const at::Tensor keep = (repaint == 0).expand_as(known), masked = (repaint == 1).expand_as(known);
  EXPECT_TRUE(at::equal(masked_content_latent(known, repaint, MaskedContent::Original, seeds), known));
  EXPECT_TRUE(at::equal(masked_content_latent(known, repaint, MaskedContent::Fill, seeds), known))
      << "fill works on the pixels";
  const at::Tensor nothing = masked_content_latent(known, repaint, MaskedContent::LatentNothing, seeds);
  EXPECT_TRUE(at::equal(nothing.masked_select(keep), known.masked_select(keep)));
  EXPECT_EQ(nothing.masked_select(masked).abs().max().item<float>(), 0.0f);
  // Latent noise: each item's seed's first draw, the noise x_T is made of.
  const at::Tensor noise = masked_content_latent(known, repaint, MaskedContent::LatentNoise, seeds);
  NoiseSource source(seeds);
  const at::Tensor drawn = source.draw({4, 6, 8});
  EXPECT_TRUE(at::equal(noise.masked_select(keep), known.masked_select(keep)));
  EXPECT_TRUE(at::equal(noise.masked_select(masked), drawn.masked_select(masked)));
  EXPECT_FALSE(at::equal(noise[0], noise[1])) << "each item its own seed";
}

}  // namespace
}  // namespace diffscope
