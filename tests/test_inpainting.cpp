// Inpainting (core/pipeline/inpaint_mask.h, core/sampling/masked_denoiser.h):
// the mask's reading, blur and latent scaling, and real runs of the built-in
// model and the oracle that keep the start image outside the mask.
#include "core/pipeline/inpaint_mask.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#ifdef DIFFSCOPE_TEST_WITH_OPENCV
#include <opencv2/imgproc.hpp>
#endif

#include "core/common/errors.h"
#include "core/io/png_image.h"
#include "core/models/model_bundle.h"
#include "core/models/oracle_bundle.h"
#include "core/pipeline/masked_content.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

using support::error_of;

// An (H, W, 3) uint8 image whose columns from `from` on are white, the rest black.
at::Tensor half_mask(int64_t side, int64_t from) {
  at::Tensor rgb = at::zeros({side, side, 3}, at::kByte);
  rgb.narrow(1, from, side - from).fill_(255);
  return rgb;
}

}  // namespace

TEST(InpaintMask, ReadsLuminanceWhiteRepaintsAndInverts) {
  support::TempDir dir;
  at::Tensor rgb = half_mask(8, 4);
  rgb[0][0] = at::tensor({255, 0, 0}, at::kByte);  // pure red: ITU-R 601 gives 0.299
  write_png(dir / "m.png", rgb);
  const at::Tensor mask = read_mask_png((dir / "m.png").string(), 8, 8, false);
  EXPECT_EQ(mask.sizes(), (at::IntArrayRef{8, 8}));
  EXPECT_NEAR(mask[0][0].item<float>(), 0.299, 1e-6);
  EXPECT_EQ(mask[3][3].item<float>(), 0.0f);
  EXPECT_NEAR(mask[3][5].item<float>(), 1.0, 1e-6);
  const at::Tensor inverted = read_mask_png((dir / "m.png").string(), 8, 8, true);
  EXPECT_TRUE(at::allclose(inverted, 1.0 - mask));
  EXPECT_NE(error_of([&] { read_mask_png((dir / "m.png").string(), 16, 8, false); }).find("8×8; it must be"),
            std::string::npos);
}

TEST(InpaintMask, BlurIsANormalisedGaussianMirroredAtTheEdges) {
  // One white pixel spreads into the outer product of cv2's taps: radius ⌊2.5σ + 0.5⌋.
  const double sigma = 2.0;
  at::Tensor dot = at::zeros({21, 21}, at::kFloat);
  dot[10][10] = 1.0;
  const at::Tensor blurred = blur_mask(dot, sigma);
  std::vector<double> taps;
  double sum = 0;
  for (int k = -5; k <= 5; ++k) sum += taps.emplace_back(std::exp(-k * k / (2 * sigma * sigma)));
  for (int dy = -6; dy <= 6; ++dy) {
    for (int dx = -6; dx <= 6; ++dx) {
      const bool inside = std::abs(dy) <= 5 && std::abs(dx) <= 5;
      const double expected = inside ? taps[size_t(dy + 5)] * taps[size_t(dx + 5)] / (sum * sum) : 0.0;
      EXPECT_NEAR(blurred[10 + dy][10 + dx].item<float>(), expected, 1e-7) << dy << ", " << dx;
    }
  }
  EXPECT_NEAR(blurred.sum().item<float>(), 1.0, 1e-6);
  // Mirroring keeps a constant mask constant, even where the kernel is wider than the image.
  const at::Tensor constant = at::full({8, 5}, 0.7, at::kFloat);
  EXPECT_TRUE(at::allclose(blur_mask(constant, 4.0), constant, 0, 1e-6));
  EXPECT_TRUE(at::equal(blur_mask(dot, 0.0), dot));
}

#ifdef DIFFSCOPE_TEST_WITH_OPENCV
TEST(InpaintMask, BlurMatchesOpenCvsGaussianBlur) {
  // A1111 blurs with cv2.GaussianBlur(mask, (2·⌊2.5σ + 0.5⌋ + 1, …), σ); its
  // default border is BORDER_REFLECT_101.
  const at::Tensor mask = (at::rand({37, 50}, at::TensorOptions().dtype(at::kFloat)) > 0.6).to(at::kFloat);
  for (double sigma : {1.0, 4.0, 7.5}) {
    const int size = 2 * int(2.5 * sigma + 0.5) + 1;
    cv::Mat in(37, 50, CV_32F, mask.data_ptr<float>()), out;
    cv::GaussianBlur(in, out, cv::Size(size, size), sigma, sigma);
    const at::Tensor expected = at::from_blob(out.data, {37, 50}, at::kFloat).clone();
    EXPECT_TRUE(at::allclose(blur_mask(mask, sigma), expected, 0, 2e-6)) << "σ = " << sigma;
  }
}
#endif

TEST(InpaintMask, LatentMaskIsScaledAndRounded) {
  const at::Tensor half = half_mask(64, 32).select(2, 0).to(at::kFloat) / 255.0;
  const at::Tensor latent = latent_mask(half, 8, 8);
  EXPECT_EQ(latent.sizes(), (at::IntArrayRef{1, 1, 8, 8}));
  EXPECT_EQ(latent.narrow(3, 0, 4).sum().item<float>(), 0.0f);
  EXPECT_EQ(latent.narrow(3, 4, 4).sum().item<float>(), 32.0f);
  // At the image's own size (the oracle's pixel space) only the rounding remains.
  EXPECT_TRUE(at::equal(latent_mask(half * 0.6, 64, 64), half.unsqueeze(0).unsqueeze(0)));

  support::TempDir dir;
  write_png(dir / "black.png", at::zeros({64, 64, 3}, at::kByte));
  EXPECT_NE(error_of([&] {
              load_inpaint_mask((dir / "black.png").string(), 64, 64, 4, false, 16, 16);
            }).find("leaves nothing to repaint at the latent's resolution (16×16): white is repainted"),
            std::string::npos);
  // A speck smaller than a latent pixel is nothing to repaint either.
  at::Tensor speck = at::zeros({64, 64, 3}, at::kByte);
  speck[10][10].fill_(255);
  write_png(dir / "speck.png", speck);
  EXPECT_NE(error_of([&] {
              load_inpaint_mask((dir / "speck.png").string(), 64, 64, 0, false, 8, 8);
            }).find("leaves nothing to repaint"),
            std::string::npos);
  // Inverted, the black image repaints everything.
  const InpaintMask all = load_inpaint_mask((dir / "black.png").string(), 64, 64, 4, true, 16, 16);
  EXPECT_EQ(all.latent.sum().item<float>(), 256.0f);
}

TEST(InpaintMask, TheOverlayDoublesTheBlurredMaskAsA1111Does) {
  const at::Tensor result = at::full({1, 1, 5, 3}, 200, at::kByte);
  const at::Tensor start = at::zeros({1, 5, 3}, at::kByte);
  const at::Tensor mask = at::tensor({0.0f, 0.1f, 0.25f, 0.5f, 1.0f}).view({1, 5});
  // Opacity of the start image 1 − min(2·mask, 1): all, 0.8, ½, none, none.
  const at::Tensor expected = at::tensor({0, 40, 100, 200, 200}, at::kByte).view({1, 1, 5, 1}).expand({1, 1, 5, 3});
  EXPECT_TRUE(at::equal(overlay_start_image(result, start, mask), expected));
}

class InpaintingRun : public support::FreshCacheTest {
 protected:
  void SetUp() override {
    start_ = (dir_ / "start.png").string();
    mask_ = (dir_ / "mask.png").string();
    Request r;
    r.prompt = "red apple";
    r.seed = 3;
    r.steps = 8;
    write_png(start_, pipeline_.run(r).images[0]);
    write_png(mask_, half_mask(64, 32));
  }
  Request inpaint(const std::string& prompt) const {
    Request r;
    r.prompt = prompt;
    r.seed = 5;
    r.steps = 8;
    r.init_image = start_;
    r.mask_image = mask_;
    r.strength = 1.0;
    return r;
  }

  support::TempDir dir_;
  Pipeline pipeline_;
  std::string start_, mask_;
};

TEST_F(InpaintingRun, KeepsTheStartImageOutsideTheMaskAtEveryStep) {
  const Request request = inpaint("grinning face");
  // The built-in model's latents are 1/4 of the image: the left 8 of 16 columns are kept.
  ModelBundle& bundle = pipeline_.prepare(request);
  const at::Tensor start = read_png_rgb(start_);
  const at::Tensor known =
      bundle.encode_image(start.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 127.5 - 1.0).narrow(3, 0, 8);
  std::vector<at::Tensor> noise;
  const Result result = pipeline_.run(request, [&](const StepEvent& e) {
    // Every prediction holds the start image's latent there, exactly …
    EXPECT_TRUE(at::equal(e.x0.narrow(3, 0, 8), known)) << "step " << e.index;
    // … so (Euler) the known part sits at each step's own noise level on one fixed noise.
    noise.push_back(e.eps.narrow(3, 0, 8).clone());
    EXPECT_FALSE(at::allclose(e.x0.narrow(3, 8, 8), known.narrow(3, 0, 8)));
  });
  ASSERT_EQ(noise.size(), 7u);  // img2img at strength 1 runs ⌊0.999·8⌋ steps, as A1111
  for (const at::Tensor& n : noise) EXPECT_TRUE(at::allclose(n, noise.front(), 1e-4, 1e-4));

  // The unmasked pixels (where the blurred mask is 0) come back exactly; the rest is new.
  const at::Tensor image = result.images[0];
  const int64_t kept = 32 - 10;  // blur 4 reaches ⌊2.5·4 + 0.5⌋ = 10 pixels
  EXPECT_TRUE(at::equal(image.narrow(1, 0, kept), start.narrow(1, 0, kept)));
  const double changed =
      (image.narrow(1, 40, 24).to(at::kFloat) - start.narrow(1, 40, 24).to(at::kFloat)).abs().mean().item<double>();
  EXPECT_GT(changed, 20.0);
}

TEST_F(InpaintingRun, PromptEditingBatchesAndInvertedMasksKeepItToo) {
  Request request = inpaint("[grinning face:smiling face:3]");  // runs in segments
  request.batch = 2;
  request.invert_mask = true;  // repaints the left half
  request.mask_blur = 0;
  const at::Tensor start = read_png_rgb(start_);
  const Result result = pipeline_.run(request);
  ASSERT_EQ(result.images.size(0), 2);
  for (int64_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(at::equal(result.images[i].narrow(1, 32, 32), start.narrow(1, 32, 32))) << "image " << i;
  }
  EXPECT_FALSE(at::equal(result.images[0], result.images[1]));  // each its own seed
}

TEST_F(InpaintingRun, AnAllWhiteMaskIsPlainImg2Img) {
  write_png(mask_, half_mask(64, 0));
  Request request = inpaint("grinning face");
  request.strength = 0.6;
  const Result masked = pipeline_.run(request);
  request.mask_image.clear();
  const Result plain = pipeline_.run(request);
  EXPECT_TRUE(at::equal(masked.images, plain.images));
}

TEST_F(InpaintingRun, TheOracleRepaintsWithHalfOfATrainingImage) {
  // The exact denoiser ends every run on one of its training images; inpainted,
  // its repainted half is one training image's half beside the kept one. (It is
  // not always the start image's own: replacement inpainting lets the repainted
  // half commit before the kept half weighs in, docs/PERFORMANCE.md.)
  Request oracle;
  oracle.model = "oracle";
  oracle.prompt = "face";
  oracle.seed = 5;
  const std::string target = (dir_ / "oracle.png").string();
  write_png(target, pipeline_.run(oracle).images[0]);
  Request fill = oracle;
  fill.prompt.clear();
  fill.steps = 30;
  fill.init_image = target;
  fill.mask_image = mask_;
  fill.mask_blur = 0;
  fill.strength = 1.0;
  auto& bundle = dynamic_cast<OracleBundle&>(pipeline_.prepare(fill));
  const at::Tensor set = at::stack(
      [&] {
        std::vector<at::Tensor> images;
        for (int64_t i = 0; i < bundle.oracle().size(); ++i) images.push_back(bundle.oracle().image(i));
        return images;
      }(),
      0);  // (N, 3, 64, 64) in [−1, 1]
  const at::Tensor right_halves = ((set.narrow(3, 32, 32) + 1.0) * 127.5).permute({0, 2, 3, 1});
  int own = 0;
  for (int64_t seed : {1, 2, 3, 4}) {
    fill.seed = seed;
    const at::Tensor right = pipeline_.run(fill).images[0].narrow(1, 32, 32).to(at::kFloat);
    const at::Tensor distance = (right_halves - right.unsqueeze(0)).abs().amax({1, 2, 3});
    EXPECT_LE(distance.min().item<float>(), 3.0f) << "seed " << seed;
    own += (right - read_png_rgb(target).narrow(1, 32, 32).to(at::kFloat)).abs().max().item<float>() <= 3.0f;
  }
  EXPECT_GE(own, 1);  // and some seeds find the start image's own half
}

TEST_F(InpaintingRun, ResamplingRunsEveryStepAgainAndStillKeepsTheStart) {
  Request request = inpaint("grinning face");
  request.inpaint_resample = 3;
  const at::Tensor start = read_png_rgb(start_);
  int events = 0;
  const Result resampled = pipeline_.run(request, [&](const StepEvent& e) {
    EXPECT_EQ(e.index, events++);
    EXPECT_EQ(e.total, 7);
  });
  EXPECT_EQ(events, 7);
  EXPECT_TRUE(at::equal(resampled.images[0].narrow(1, 0, 22), start.narrow(1, 0, 22)));
  request.inpaint_resample = 1;
  EXPECT_FALSE(at::equal(pipeline_.run(request).images, resampled.images));
  // Without a mask it has nothing to do and is not used.
  request.inpaint_resample = 3;
  request.mask_image.clear();
  const Result unmasked = pipeline_.run(request);
  request.inpaint_resample = 1;
  EXPECT_TRUE(at::equal(unmasked.images, pipeline_.run(request).images));
}

TEST_F(InpaintingRun, RefusesResamplingWhatRunsAcrossSteps) {
  Request request = inpaint("grinning face");
  request.inpaint_resample = 2;
  request.sampler = SamplerId::Dpmpp2m;
  EXPECT_NE(error_of([&] { pipeline_.plan(request); }).find("DPM++ 2M builds each step on the ones before"),
            std::string::npos);
  request.sampler = SamplerId::Euler;
  request.prompt = "[grinning face:smiling face:3]";
  EXPECT_NE(error_of([&] { pipeline_.plan(request); }).find("not run with prompt editing"), std::string::npos);
  request.inpaint_resample = 21;
  EXPECT_NE(error_of([&] { pipeline_.plan(request); }).find("between 1 and 20 times"), std::string::npos);
}

TEST_F(InpaintingRun, RefusesMasksItCannotUse) {
  Request request = inpaint("grinning face");
  write_png(dir_ / "small.png", half_mask(32, 16));
  request.mask_image = (dir_ / "small.png").string();
  EXPECT_NE(error_of([&] { pipeline_.run(request); }).find("32×32; it must be the image's size (64×64)"),
            std::string::npos);
  request.mask_image = (dir_ / "missing.png").string();
  EXPECT_NE(error_of([&] { pipeline_.run(request); }).find("missing.png"), std::string::npos);
  request.mask_image = mask_;
  request.init_image.clear();
  EXPECT_NE(error_of([&] { pipeline_.run(request); }).find("needs the image it paints into"), std::string::npos);
}

TEST_F(InpaintingRun, MaskedContentChangesOnlyWhatTheMaskedPartStartsFrom) {
  Request request = inpaint("grinning face");
  ModelBundle& bundle = pipeline_.prepare(request);
  const at::Tensor start = read_png_rgb(start_);
  const at::Tensor known = bundle.encode_image(start.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 127.5 - 1.0);
  double sigma = 0;
  const auto first_x = [&](MaskedContent content) {  // x_T, from the first step's input
    request.masked_content = content;
    at::Tensor x;
    pipeline_.run(request, [&](const StepEvent& e) {
      if (e.index == 0) x = e.x_t * std::sqrt(1 + e.sigma * e.sigma), sigma = e.sigma;
    });
    return x;
  };
  const at::Tensor original = first_x(MaskedContent::Original);
  const at::Tensor unit_noise = (original - known) / sigma;  // x_T = σ·n + the start image's latent
  // Latent columns 0–7 are kept, 8–15 repainted (the mask's right half).
  const auto kept = [](const at::Tensor& x) { return x.narrow(3, 0, 8); };
  const auto masked = [](const at::Tensor& x) { return x.narrow(3, 8, 8); };
  const at::Tensor nothing = first_x(MaskedContent::LatentNothing);
  EXPECT_TRUE(at::allclose(kept(nothing), kept(original), 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(masked(nothing), sigma * masked(unit_noise), 1e-4, 1e-4)) << "σ·n over zeros";
  const at::Tensor noise = first_x(MaskedContent::LatentNoise);
  EXPECT_TRUE(at::allclose(kept(noise), kept(original), 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(masked(noise), (sigma + 1) * masked(unit_noise), 1e-4, 1e-4)) << "σ·n over n itself";

  // Fill paints the pixels before they are encoded: every x̂₀ keeps the filled image's latent.
  request.masked_content = MaskedContent::Fill;
  const InpaintMask mask = load_inpaint_mask(mask_, 64, 64, request.mask_blur, false, 16, 16);
  const at::Tensor filled = fill_masked_area(start, mask.pixels);
  const at::Tensor filled_known =
      bundle.encode_image(filled.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 127.5 - 1.0);
  ASSERT_FALSE(at::allclose(kept(filled_known), kept(known), 1e-3, 1e-3)) << "the fill reaches the kept latent";
  const Result result = pipeline_.run(request, [&](const StepEvent& e) {
    EXPECT_TRUE(at::equal(kept(e.x0), kept(filled_known))) << "step " << e.index;
  });
  // The overlay still brings back the start image itself, not the filled one.
  EXPECT_TRUE(at::equal(result.images[0].narrow(1, 0, 22), start.narrow(1, 0, 22)));
}
