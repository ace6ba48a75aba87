// Inpainting checkpoints (sd-v1-5-inpainting, 512-inpainting-ema, SDXL
// inpainting 0.1): a U-Net of 9 input channels that reads x_t, the mask and
// the masked image's latent. Recognised from the tensors, fed what A1111
// feeds them (core/pipeline/image_conditioning.h) in txt2img, img2img and
// inpainting runs; other input widths refused by name.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <functional>

#include "core/common/errors.h"
#include "core/io/png_image.h"
#include "core/models/sd/sd_bundle.h"
#include "core/pipeline/image_conditioning.h"
#include "core/pipeline/masked_content.h"
#include "core/pipeline/model_registry.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
using support::error_of;
namespace fs = std::filesystem;

class InpaintingModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    for (const auto& [name, args] : std::vector<std::pair<std::string, std::string>>{
             {"plain.safetensors", "--family sd1 --seed 5"},
             {"inpainting.safetensors", "--family sd1 --seed 5 --in-channels 9"},
             {"inpainting-zero.safetensors", "--family sd1 --seed 5 --in-channels 9 --zero-extra-inputs"}}) {
      if (!support::make_tiny_sd(*dir_ / name, args, &why_)) return;
    }
    // A 32×32 start image and a mask over its right half.
    at::Tensor rgb = at::arange(32 * 32 * 3).remainder(241).to(at::kByte).reshape({32, 32, 3});
    write_png(start(), rgb);
    at::Tensor mask = at::zeros({32, 32, 1}, at::kByte);
    mask.slice(1, 16).fill_(255);
    write_png(mask_path(), mask);
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }

  static fs::path model(const std::string& name) { return *dir_ / (name + ".safetensors"); }
  static fs::path start() { return *dir_ / "start.png"; }
  static fs::path mask_path() { return *dir_ / "mask.png"; }
  static Request request(const std::string& name) {
    Request r;
    r.model = model(name).string();
    r.tokenizer = support::clip_vocabulary().string();
    r.prompt = "a lovely cat";
    r.width = r.height = 32;
    r.steps = 3;
    r.seed = 7;
    r.sampler = SamplerId::Euler;
    r.precision = Precision::Float32;
    return r;
  }
  static std::unique_ptr<SdBundle> load(const std::string& name) {
    SdLoadOptions o;
    o.checkpoint = model(name);
    o.tokenizer = support::clip_vocabulary().string();
    return SdBundle::load(o);
  }

  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* InpaintingModel::dir_ = nullptr;
std::string InpaintingModel::why_;

TEST_F(InpaintingModel, IsRecognisedFromItsTensors) {
  EXPECT_TRUE(model_registry::describe(model("inpainting").string()).options.inpainting_model);
  EXPECT_EQ(model_registry::describe(model("inpainting").string()).family, "SD 1.x inpainting");
  EXPECT_FALSE(model_registry::describe(model("plain").string()).options.inpainting_model);
  const fs::path sd2 = *dir_ / "sd2-inpainting.safetensors", xl = *dir_ / "sdxl-inpainting.safetensors";
  ASSERT_TRUE(support::make_tiny_sd(sd2, "--family sd2 --in-channels 9", &why_)) << why_;
  ASSERT_TRUE(support::make_tiny_sd(xl, "--family sdxl --in-channels 9", &why_)) << why_;
  // SD 2.x's inpainting model predicts ε: A1111 skips its v-prediction test for it.
  const ModelInfo info = model_registry::describe(sd2.string());
  EXPECT_TRUE(info.options.inpainting_model);
  EXPECT_TRUE(info.prediction_known);
  EXPECT_EQ(info.prediction, Prediction::Epsilon);
  EXPECT_EQ(info.prediction_source, "SD 2.x inpainting default");
  const ModelInfo loaded = load("sd2-inpainting")->info();  // no test forward pass, which would need the mask
  EXPECT_EQ(loaded.prediction, Prediction::Epsilon);
  EXPECT_EQ(loaded.prediction_source, "SD 2.x inpainting default");
  EXPECT_TRUE(model_registry::describe(xl.string()).options.inpainting_model);
  EXPECT_EQ(model_registry::describe(xl.string()).family, "SDXL inpainting");
  // SDXL inpainting runs like SD's: a tiny txt2img and an inpainting run.
  Request r = request("plain");
  r.model = xl.string();
  Pipeline pipeline;
  EXPECT_EQ(pipeline.run(r, RunHooks{}).images.sizes(), (at::IntArrayRef{1, 32, 32, 3}));
  r.init_image = start().string();
  r.mask_image = mask_path().string();
  r.mask_blur = 0;
  const Result inpainted = pipeline.run(r, RunHooks{});
  const at::Tensor rgb = read_png_rgb(start().string());
  EXPECT_TRUE(at::equal(inpainted.images[0].slice(1, 0, 16), rgb.slice(1, 0, 16)));
}

TEST_F(InpaintingModel, OtherInputWidthsAreRefusedByName) {
  const fs::path pix2pix = *dir_ / "pix2pix.safetensors";
  ASSERT_TRUE(support::make_tiny_sd(pix2pix, "--family sd1 --in-channels 8", &why_)) << why_;
  const std::string error = error_of([&] { model_registry::describe(pix2pix.string()); });
  EXPECT_NE(error.find("8 input channels (an InstructPix2Pix model?)"), std::string::npos) << error;
}

TEST_F(InpaintingModel, WithMaskedContentFillItSeesTheFilledImage) {
  // A1111 conditions on the image it encodes: with "fill", the filled one.
  auto bundle = load("inpainting");
  Request r = request("inpainting");
  r.init_image = start().string();
  r.mask_image = mask_path().string();
  r.mask_blur = 2;
  r.masked_content = MaskedContent::Fill;
  const std::vector<int64_t> shape = bundle->latent_shape(32, 32);
  const StartImage filled = read_start_image(*bundle, r, c10::kCPU, at::kFloat, shape, {7});
  ASSERT_FALSE(at::equal(filled.model_rgb, filled.rgb));
  EXPECT_TRUE(at::equal(filled.model_rgb, fill_masked_area(filled.rgb, filled.mask->pixels)));
  const at::Tensor c = inpainting_image_conditioning(*bundle, &filled, 32, 32, shape, c10::kCPU);
  const at::Tensor pixels = filled.model_rgb.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 127.5 - 1.0;
  const at::Tensor hidden = filled.mask->pixels.round().view({1, 1, 32, 32});
  EXPECT_TRUE(at::allclose(c.slice(1, 1), bundle->encode_image(pixels * (1.0 - hidden)), 1e-5, 1e-5));
}

TEST_F(InpaintingModel, TheConditioningIsTheMaskThenTheMaskedImagesLatent) {
  auto bundle = load("inpainting");
  StartImage with_mask;
  with_mask.rgb = with_mask.model_rgb = read_png_rgb(start().string());
  InpaintMask mask;
  mask.pixels = at::zeros({32, 32});
  mask.pixels.slice(1, 16).fill_(0.8);  // a blurred edge's value: rounded to 1 for the model
  mask.pixels.slice(1, 13, 16).fill_(0.3);
  with_mask.mask = mask;
  const std::vector<int64_t> shape = bundle->latent_shape(32, 32);
  const at::Tensor c = inpainting_image_conditioning(*bundle, &with_mask, 32, 32, shape, c10::kCPU);
  ASSERT_EQ(c.sizes(), (at::IntArrayRef{1, 5, shape[1], shape[2]}));
  // The mask at the latent's size: every 2nd pixel's rounded value (this VAE halves).
  const at::Tensor expected_mask = (at::arange(shape[2]) * 2 >= 16).to(at::kFloat).expand({shape[1], -1});
  EXPECT_TRUE(at::equal(c[0][0], expected_mask));
  // The image with the repainted part grey (0 in [−1, 1]), encoded.
  at::Tensor pixels = with_mask.rgb.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 127.5 - 1.0;
  pixels.slice(3, 16).zero_();
  EXPECT_TRUE(at::allclose(c.slice(1, 1), bundle->encode_image(pixels), 1e-5, 1e-5));
  // A1111's conditioning mask strength lets the masked part show through.
  const at::Tensor half = inpainting_image_conditioning(*bundle, &with_mask, 32, 32, shape, c10::kCPU, 0.5);
  pixels = with_mask.rgb.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 127.5 - 1.0;
  pixels.slice(3, 16) *= 0.5;
  EXPECT_TRUE(at::allclose(half.slice(1, 1), bundle->encode_image(pixels), 1e-5, 1e-5));
  EXPECT_TRUE(at::equal(half.slice(1, 0, 1), c.slice(1, 0, 1)));
  // img2img (no mask) and txt2img (no image) tell the model to paint everything.
  StartImage without_mask;
  without_mask.rgb = without_mask.model_rgb = with_mask.rgb;
  const at::Tensor grey = bundle->encode_image(at::zeros({1, 3, 32, 32}));
  for (const StartImage* start : {&without_mask, static_cast<StartImage*>(nullptr)}) {
    const at::Tensor all = inpainting_image_conditioning(*bundle, start, 32, 32, shape, c10::kCPU);
    EXPECT_TRUE(at::equal(all.slice(1, 0, 1), at::ones({1, 1, shape[1], shape[2]})));
    EXPECT_TRUE(at::allclose(all.slice(1, 1), grey, 1e-5, 1e-5));
  }
}

TEST_F(InpaintingModel, TheUNetReadsXtFirstAndNeedsTheConditioning) {
  // With the extra channels' weights 0, the 9-channel U-Net computes what the
  // 4-channel one with the same other weights does: x_t is its first 4 channels.
  const Result plain = Pipeline().run(request("plain"), RunHooks{});
  const Result zero = Pipeline().run(request("inpainting-zero"), RunHooks{});
  EXPECT_TRUE(at::allclose(zero.samples, plain.samples, 1e-4, 1e-4))
      << (zero.samples - plain.samples).abs().max().item<float>();
  // With real weights there, the conditioning changes the prediction.
  auto bundle = load("inpainting");
  const std::vector<int64_t> shape = bundle->latent_shape(32, 32);
  const at::Tensor x = at::randn({2, shape[0], shape[1], shape[2]});
  const at::Tensor context = bundle->encode_prompt("a cat");
  EXPECT_NE(error_of([&] { bundle->network().forward(x, 500.0, context, {}); }).find("needs the mask"),
            std::string::npos);
  const at::Tensor c = inpainting_image_conditioning(*bundle, nullptr, 32, 32, shape, c10::kCPU);
  bundle->set_image_conditioning(c);
  const at::Tensor both = bundle->network().forward(x, 500.0, context, {});
  // One conditioning serves the whole batch: item 1 alone gives the same.
  EXPECT_TRUE(at::allclose(both[1], bundle->network().forward(x.slice(0, 1), 500.0, context, {})[0], 1e-5, 1e-5));
  bundle->set_image_conditioning(c * 0.5);
  EXPECT_FALSE(at::allclose(both, bundle->network().forward(x, 500.0, context, {}), 1e-3, 1e-3));
}

TEST_F(InpaintingModel, RunsTxt2imgImg2imgAndInpaintingAndKeepsTheRest) {
  Pipeline pipeline;
  Request r = request("inpainting");
  const Result txt2img = pipeline.run(r, RunHooks{});
  EXPECT_EQ(txt2img.images.sizes(), (at::IntArrayRef{1, 32, 32, 3}));
  r.init_image = start().string();
  r.strength = 0.6;
  const Result img2img = pipeline.run(r, RunHooks{});
  EXPECT_FALSE(at::equal(img2img.images, txt2img.images));
  r.inpainting_mask_weight = 0.0;  // the model is shown the whole start image
  EXPECT_FALSE(at::equal(pipeline.run(r, RunHooks{}).images, img2img.images));
  r.inpainting_mask_weight = 1.0;
  r.mask_image = mask_path().string();
  r.mask_blur = 0;
  r.batch = 2;
  const Result inpainted = pipeline.run(r, RunHooks{});
  const at::Tensor rgb = read_png_rgb(start().string());
  for (int64_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(at::equal(inpainted.images[i].slice(1, 0, 16), rgb.slice(1, 0, 16)));  // kept exactly
    EXPECT_FALSE(at::equal(inpainted.images[i].slice(1, 16), rgb.slice(1, 16)));       // repainted
  }
  // What the model is told matters: the same run on the plain-weights twin
  // (extra inputs weighing 0) repaints otherwise.
  r.model = model("inpainting-zero").string();
  EXPECT_FALSE(at::equal(pipeline.run(r, RunHooks{}).images, inpainted.images));
}

TEST_F(InpaintingModel, TheCliSaysWhatItIsAndRecordsTheMaskStrength) {
  const fs::path png = *dir_ / "cli.png";
  std::string out;
  const std::string command = "DIFFSCOPE_CACHE_DIR=" + (*dir_ / "cache").string() + " " + support::cli_path() +
                              " generate -m " + model("inpainting").string() + " --tokenizer " +
                              support::clip_vocabulary().string() + " -p cat -W 32 -H 32 -s 2 --seed 4 " +
                              "--precision float32 -i " + start().string() + " --mask " + mask_path().string() +
                              " --strength 1 --inpainting-mask-weight 0.5 --overwrite -o " + png.string();
  ASSERT_EQ(support::run_command(command, &out), 0) << out;
  EXPECT_NE(out.find("(SD 1.x inpainting)"), std::string::npos) << out;
  const std::string parameters = read_png_text(png).at("parameters");
  EXPECT_NE(parameters.find("Mask blur: 4, Conditional mask weight: 0.5"), std::string::npos) << parameters;
  const at::Tensor rgb = read_png_rgb(start().string()), image = read_png_rgb(png.string());
  EXPECT_TRUE(at::equal(image.slice(1, 0, 5), rgb.slice(1, 0, 5)));  // kept (beyond the blur's 10-pixel reach)
}
