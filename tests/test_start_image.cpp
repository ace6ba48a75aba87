// The start image and its mask as a run reads them (core/pipeline/start_image.h)
// when the image has another size than the run's: each resize mode fits the
// image, the mask goes with it, the latent upscale encodes at the image's own
// size; on the built-in model.
#include "core/pipeline/start_image.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/common/image_range.h"
#include "core/io/png_image.h"
#include "core/pipeline/image_resize.h"
#include "core/pipeline/masked_content.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/resize_mode.h"
#include "tests/support/test_support.h"

namespace diffscope {
namespace {

using support::error_of;

// An (H, W, 3) picture with detail everywhere, so that a wrong crop shows.
at::Tensor picture(int64_t width, int64_t height) {
  return at::arange(height * width * 3).remainder(241).to(at::kByte).reshape({height, width, 3});
}

class StartImageRead : public support::FreshCacheTest {
 protected:
  void SetUp() override {
    request_.prompt = "red apple";
    request_.init_image = (dir_ / "wide.png").string();
    write_png(request_.init_image, picture(96, 64));  // the run is 64×64
    at::Tensor mask = at::zeros({64, 96, 3}, at::kByte);
    mask.narrow(1, 60, 36).fill_(255);  // the right part, which a centre crop keeps a little of
    write_png((dir_ / "wide-mask.png").string(), mask);
  }
  StartImage read(const Request& request) {
    ModelBundle& bundle = pipeline_.prepare(request);
    const int64_t channels = encode(bundle, picture(64, 64)).size(1);
    return read_start_image(bundle, request, c10::Device(c10::kCPU), at::kFloat, {channels, 16, 16}, {5});
  }
  static at::Tensor encode(ModelBundle& bundle, const at::Tensor& rgb) {
    return bundle.encode_image(images_to_model_range(rgb.unsqueeze(0)));
  }

  support::TempDir dir_;
  Pipeline pipeline_;
  Request request_;
};

TEST_F(StartImageRead, EachModeFitsTheImageAndEncodesWhatItShows) {
  const at::Tensor source = read_png_rgb(request_.init_image);
  for (const ResizeMode mode : {ResizeMode::JustResize, ResizeMode::CropAndResize, ResizeMode::ResizeAndFill}) {
    request_.resize_mode = mode;
    const StartImage start = read(request_);
    const at::Tensor fitted = fit_to_size(source, mode, 64, 64);
    EXPECT_TRUE(at::equal(start.rgb, fitted)) << resize_mode_name(mode);
    EXPECT_TRUE(at::equal(start.known, encode(pipeline_.prepare(request_), fitted))) << resize_mode_name(mode);
  }
  // Crop and resize keeps the centre as it was: a 96×64 image loses 16 columns each side.
  request_.resize_mode = ResizeMode::CropAndResize;
  EXPECT_TRUE(at::equal(read(request_).rgb, source.narrow(1, 16, 64)));
}

TEST_F(StartImageRead, TheMaskIsTheImagesSizeAndGoesWithIt) {
  request_.mask_image = (dir_ / "wide-mask.png").string();
  request_.mask_blur = 0;
  request_.resize_mode = ResizeMode::CropAndResize;
  const StartImage cropped = read(request_);
  ASSERT_TRUE(cropped.mask);
  // White from source column 60 on: run columns 44 on, after the 16 cut on the left.
  EXPECT_EQ(cropped.mask->pixels.narrow(1, 0, 44).max().item<float>(), 0.0f);
  EXPECT_EQ(cropped.mask->pixels.narrow(1, 44, 20).min().item<float>(), 1.0f);
  // Squeezed, the edge moves to 60·64/96 = 40; Lanczos shrinking by 1.5 reaches 3 columns either side.
  request_.resize_mode = ResizeMode::JustResize;
  const StartImage squeezed = read(request_);
  EXPECT_EQ(squeezed.mask->pixels.narrow(1, 0, 37).max().item<float>(), 0.0f);
  EXPECT_EQ(squeezed.mask->pixels.narrow(1, 43, 21).min().item<float>(), 1.0f);
  // Inpainting keeps the fitted start image outside the mask through the whole run.
  request_.resize_mode = ResizeMode::CropAndResize;
  request_.steps = 3;
  const Result result = pipeline_.run(request_);
  EXPECT_TRUE(at::equal(result.images[0].narrow(1, 0, 44), cropped.rgb.narrow(1, 0, 44)));
  // A mask of the run's size drawn for another image is refused, naming both sizes.
  write_png((dir_ / "square-mask.png").string(), at::zeros({64, 64, 3}, at::kByte));
  request_.mask_image = (dir_ / "square-mask.png").string();
  EXPECT_NE(error_of([&] { read(request_); }).find("64×64; it must be the image's size (96×64)"), std::string::npos);
}

TEST_F(StartImageRead, LatentUpscaleEncodesAtTheImagesOwnSize) {
  write_png(request_.init_image, picture(32, 24));
  request_.resize_mode = ResizeMode::LatentUpscale;
  const StartImage start = read(request_);
  const at::Tensor small = read_png_rgb(request_.init_image);
  const at::Tensor expected =
      at::upsample_bilinear2d(encode(pipeline_.prepare(request_), small), at::IntArrayRef{16, 16}, false);
  EXPECT_TRUE(at::allclose(start.known, expected, 1e-6, 1e-6));
  EXPECT_TRUE(at::equal(start.rgb, pillow_resize(small, 64, 64))) << "the overlay's image: simply resized";
  // The image's own size, down to the latent's grid (the built-in model's latent pixel is 4 image pixels).
  write_png(request_.init_image, picture(34, 26));
  EXPECT_TRUE(
      at::allclose(read(request_).known,
                   at::upsample_bilinear2d(encode(pipeline_.prepare(request_), pillow_resize(picture(34, 26), 32, 24)),
                                           at::IntArrayRef{16, 16}, false),
                   1e-6, 1e-6));
  // Encoding more pixels than the run's is not what the memory check sized.
  write_png(request_.init_image, picture(96, 64));
  EXPECT_NE(error_of([&] { read(request_); }).find("more pixels than the run's"), std::string::npos);
  // The right size needs no upscale: the encode of the image itself.
  write_png(request_.init_image, picture(64, 64));
  EXPECT_TRUE(at::equal(read(request_).known, encode(pipeline_.prepare(request_), picture(64, 64))));
}

TEST_F(StartImageRead, FillPaintsTheFittedImage) {
  request_.mask_image = (dir_ / "wide-mask.png").string();
  request_.masked_content = MaskedContent::Fill;
  request_.resize_mode = ResizeMode::ResizeAndFill;
  const StartImage start = read(request_);
  EXPECT_TRUE(at::equal(start.model_rgb, fill_masked_area(start.rgb, start.mask->pixels)));
  EXPECT_TRUE(at::equal(start.rgb, fit_to_size(read_png_rgb(request_.init_image), ResizeMode::ResizeAndFill, 64, 64)));
}

}  // namespace
}  // namespace diffscope
