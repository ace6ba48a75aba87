// TAESD / TAESDXL previews: a random-weight decoder in the published layout,
// built and run by PyTorch (tests/tools/make_tiny_taesd.py), decodes the same
// in DiffScope; files beside a checkpoint are found; bad files are refused;
// a checkpoint with one beside it previews every step through it.
#include "core/models/sd/taesd_decoder.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/io/safetensors.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {
bool make_taesd(const fs::path& decoder, const fs::path& reference, const std::string& args, std::string* why) {
  return support::make_tiny_taesd(decoder, reference, args, why);
}
}  // namespace

TEST(TaesdDecoder, DecodesAsThePublishedPyTorchModuleDoes) {
  support::TempDir dir;
  std::string why;
  for (int channels : {4}) {
    ASSERT_TRUE(make_taesd(dir / "taesd_decoder.safetensors", dir / "reference.safetensors",
                           "--latent-channels " + std::to_string(channels), &why))
        << why;
    const auto decoder = sd::TaesdDecoder::load(dir / "taesd_decoder.safetensors", at::kFloat, c10::Device(c10::kCPU));
    EXPECT_EQ(decoder->latent_channels(), channels);
    const SafetensorsFile reference = SafetensorsFile::open(dir / "reference.safetensors");
    const at::Tensor image = decoder->decode(reference.tensor("latent"));
    const at::Tensor expected = (reference.tensor("image") * 2 - 1).clamp(-1, 1);
    ASSERT_EQ(image.sizes(), (at::IntArrayRef{2, 3, 64, 64}));  // 8× the latent's sides
    EXPECT_LT((image - expected).abs().max().item<double>(), 1e-4);
    EXPECT_GT(image.std().item<double>(), 0.01);  // not a constant image
    const at::Tensor half = decoder->decode(reference.tensor("latent"), 2);
    EXPECT_LT((half - (reference.tensor("image_half") * 2 - 1).clamp(-1, 1)).abs().max().item<double>(), 1e-4);
  }
}

TEST(TaesdDecoder, CpuPreviewsAbove256PixelsDecodeAtHalfTheSide) {
  support::TempDir dir;
  std::string why;
  ASSERT_TRUE(make_taesd(dir / "t.safetensors", dir / "r.safetensors", "", &why)) << why;
  const auto decoder = sd::TaesdDecoder::load(dir / "t.safetensors", at::kFloat, c10::Device(c10::kCPU));
  const at::Tensor small = at::randn({1, 4, 32, 32}), large = at::randn({1, 4, 40, 48});
  EXPECT_TRUE(at::equal(decoder->preview(small), decoder->decode(small)));
  const at::Tensor preview = decoder->preview(large);
  EXPECT_EQ(preview.sizes(), (at::IntArrayRef{1, 3, 320, 384}));  // the image's size
  const at::Tensor half = decoder->decode(large, 2);
  EXPECT_EQ(half.sizes(), (at::IntArrayRef{1, 3, 160, 192}));
  EXPECT_TRUE(at::allclose(at::avg_pool2d(preview, {2, 2}), half, 0.05, 0.05));
}

TEST(TaesdDecoder, FilesThatAreNotTheLayoutAreRefused) {
  support::TempDir dir;
  write_safetensors(dir / "other.safetensors", {{"decoder.conv_in.weight", at::zeros({64, 4, 3, 3})}});
  EXPECT_THROW(sd::TaesdDecoder::load(dir / "other.safetensors", at::kFloat, c10::Device(c10::kCPU)), Error);
  std::string why;
  ASSERT_TRUE(make_taesd(dir / "t.safetensors", dir / "r.safetensors", "", &why)) << why;
  std::map<std::string, at::Tensor> tensors;
  const SafetensorsFile good = SafetensorsFile::open(dir / "t.safetensors");
  for (const auto& entry : good.entries()) tensors[entry.name] = good.tensor(entry.name);
  tensors.erase("12.weight");
  write_safetensors(dir / "missing.safetensors", tensors);
  try {
    sd::TaesdDecoder::load(dir / "missing.safetensors", at::kFloat, c10::Device(c10::kCPU));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("12.weight"), std::string::npos) << e.what();
  }
}

TEST(TaesdDecoder, IsFoundBesideTheCheckpointOrAsked) {
  support::TempDir dir;
  fs::create_directories(dir / "checkpoints");
  fs::create_directories(dir / "vae_approx");
  std::ofstream(dir / "checkpoints" / "model.safetensors") << "x";
  EXPECT_FALSE(sd::find_taesd(dir / "checkpoints" / "model.safetensors", "", false).has_value());
  std::ofstream(dir / "vae_approx" / "taesdxl_decoder.safetensors") << "x";
  EXPECT_EQ(sd::find_taesd(dir / "checkpoints" / "model.safetensors", "", true),
            dir / "vae_approx" / "taesdxl_decoder.safetensors");  // ComfyUI's models/vae_approx
  EXPECT_FALSE(sd::find_taesd(dir / "checkpoints" / "model.safetensors", "", false).has_value());
  std::ofstream(dir / "checkpoints" / "taesd_decoder.safetensors") << "x";
  EXPECT_EQ(sd::find_taesd(dir / "checkpoints" / "model.safetensors", "", false),
            dir / "checkpoints" / "taesd_decoder.safetensors");
  EXPECT_FALSE(sd::find_taesd(dir / "checkpoints" / "model.safetensors", "none", false).has_value());
  EXPECT_THROW(sd::find_taesd(dir / "checkpoints" / "model.safetensors", (dir / "absent").string(), false), Error);
}

TEST(TaesdDecoder, ACheckpointWithOneBesideItPreviewsEveryStepThroughIt) {
  if (support::clip_vocabulary().empty()) GTEST_SKIP() << "../shared/data/clip is not here";
  support::TempDir dir;
  std::string why;
  ASSERT_TRUE(support::make_tiny_sd(dir / "tiny.safetensors", "--family sd1", &why)) << why;
  ASSERT_TRUE(make_taesd(dir / "taesd_decoder.safetensors", dir / "reference.safetensors", "", &why)) << why;
  const auto decoder = sd::TaesdDecoder::load(dir / "taesd_decoder.safetensors", at::kFloat, c10::Device(c10::kCPU));
  Request request;
  request.model = (dir / "tiny.safetensors").string();
  request.tokenizer = support::clip_vocabulary().string();
  request.prompt = "a cat";
  request.width = request.height = 32;
  request.steps = 2;
  request.precision = Precision::Float32;
  Pipeline pipeline;
  RunHooks hooks;
  std::vector<at::Tensor> previews;
  ModelBundle* bundle = nullptr;
  hooks.on_ready = [&](const Plan& plan, ModelBundle& b) {
    bundle = &b;
    EXPECT_EQ(plan.info.preview, PreviewMethod::PreviewDecoder);
    EXPECT_EQ(plan.info.preview_note, "TAESD preview");
  };
  hooks.on_step = [&](const StepEvent& event) { previews.push_back(bundle->preview(event.x0)); };
  const Result result = pipeline.run(request, hooks);
  ASSERT_EQ(previews.size(), 2u);
  EXPECT_TRUE(at::equal(previews.back(), decoder->decode(result.samples)));
  request.preview_decoder = "none";  // the latent projection again
  hooks.on_ready = [&](const Plan& plan, ModelBundle&) {
    EXPECT_EQ(plan.info.preview, PreviewMethod::LatentProjection);
  };
  hooks.on_step = {};
  pipeline.run(request, hooks);
}
