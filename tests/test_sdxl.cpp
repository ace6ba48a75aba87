// Stable Diffusion XL on a tiny random checkpoint with SDXL's key layout
// (tests/tools/make_tiny_sd.py --family sdxl): every tensor used once, the
// two towers' ids, the pooled text's orientation, the empty negative prompt,
// the size embeddings, the packed conditioning, and a whole run.
#include "core/models/sdxl/sdxl_bundle.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/common/errors.h"
#include "core/common/torch_compat.h"
#include "core/io/safetensors.h"
#include "core/models/sd/sd_checkpoint.h"
#include "core/pipeline/model_registry.h"
#include "core/pipeline/parameters_parse.h"
#include "core/pipeline/parameters_text.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

class SdxlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    if (!support::make_tiny_sd(tiny(), "--family sdxl", &why_)) return;
    if (!support::make_tiny_sd(refiner(), "--family sdxl-refiner", &why_)) return;
    support::make_tiny_sd(*dir_ / "tiny-xl-diffusers", "--family sdxl --diffusers", &why_);
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }
  static fs::path tiny() { return *dir_ / "tiny-xl.safetensors"; }
  static fs::path refiner() { return *dir_ / "tiny-xl-refiner.safetensors"; }
  static SdLoadOptions options(const fs::path& checkpoint) {
    SdLoadOptions o;
    o.checkpoint = checkpoint;
    o.tokenizer = support::clip_vocabulary().string();
    return o;
  }
  static std::string load_error(const std::string& make_args) {
    const fs::path path = *dir_ / ("bad-" + std::to_string(std::hash<std::string>{}(make_args)) + ".safetensors");
    std::string why;
    if (!support::make_tiny_sd(path, "--family sdxl " + make_args, &why)) return "could not make it: " + why;
    try {
      SdxlBundle::load(options(path));
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }
  static sd::ClipOptions bigg(bool penultimate, bool final_norm, bool projection) {
    sd::ClipOptions o;
    o.kind = sd::ClipKind::OpenClip;
    o.prefix = sdxl::kClipGPrefix;
    o.quick_gelu = false;
    o.penultimate = penultimate;
    o.final_norm = final_norm;
    o.projection = projection;
    return o;
  }

  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* SdxlTest::dir_ = nullptr;
std::string SdxlTest::why_;

TEST_F(SdxlTest, RecognisedByItsTensorsAndEveryTensorUsedOnce) {
  EXPECT_TRUE(sdxl::is_sdxl(tiny()));
  auto bundle = SdxlBundle::load(options(tiny()));
  EXPECT_EQ(bundle->load_report().taken + bundle->load_report().skipped,
            SafetensorsFile::open(tiny()).entries().size());
  EXPECT_EQ(bundle->load_report().skipped, 2u);  // CLIP-L's position_ids, bigG's logit_scale
  EXPECT_EQ(bundle->checkpoint().context_dim, 192);
  EXPECT_EQ(bundle->checkpoint().adm_channels, 128 + 6 * 256);
  const ModelInfo info = bundle->info();
  EXPECT_EQ(info.family, "SDXL");
  EXPECT_EQ(info.text.vector_dim, 128 + 6 * 256);
  EXPECT_EQ(info.prediction, Prediction::Epsilon);
  // What the registry says before loading is what the loaded model says.
  const ModelInfo described = model_registry::describe(tiny().string());
  EXPECT_EQ(described.family, info.family);
  EXPECT_EQ(described.sizes.multiple, info.sizes.multiple);
  EXPECT_EQ(described.memory.parameters, info.memory.parameters);
  EXPECT_EQ(described.text.context_dim, 192);
}

TEST_F(SdxlTest, DiffusersFolderLoadsTheSameModel) {
  const fs::path folder = *dir_ / "tiny-xl-diffusers";
  EXPECT_TRUE(sdxl::is_sdxl(folder));
  auto single = SdxlBundle::load(options(tiny()));
  auto diffusers = SdxlBundle::load(options(folder));
  EXPECT_TRUE(diffusers->checkpoint().diffusers);
  EXPECT_EQ(diffusers->info().prediction_source, "scheduler_config.json");
  size_t tensors = 0;
  for (const char* part : {"unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors",
                           "text_encoder/model.safetensors", "text_encoder_2/model.safetensors"}) {
    tensors += SafetensorsFile::open(folder / part).entries().size();
  }
  EXPECT_EQ(diffusers->load_report().taken + diffusers->load_report().skipped, tensors);
  // bigG's q/k/v stored apart and its projection stored transposed give the
  // same conditioning (up to the order of float sums).
  const at::Tensor a = single->encode_prompt("a lovely (cat:1.2)"), b = diffusers->encode_prompt("a lovely (cat:1.2)");
  EXPECT_TRUE(at::allclose(a, b, 1e-4, 1e-5)) << (a - b).abs().max().item<double>();
  const at::Tensor x = at::randn({1, 4, 8, 8});
  EXPECT_TRUE(at::allclose(single->network().forward(x, 400.0, a, {}), diffusers->network().forward(x, 400.0, a, {}),
                           1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(single->decode(x), diffusers->decode(x), 1e-4, 1e-5));
}

TEST_F(SdxlTest, Float16ComputeKeepsTheVaeInFloat32) {
  // SDXL's VAE overflows in float16: a float16 model decodes in float32, and
  // says so. The decode is then the float32 one, cast at the end. Loading
  // runs the text encoders, which need LibTorch 2's float16 CPU kernels
  // (scripts/test.sh runs this on both lines).
  if (!torch_compat::kHasCpuFloat16)
    GTEST_SKIP() << "LibTorch " << torch_compat::version() << " has no float16 CPU kernels";
  SdLoadOptions half_options = options(tiny());
  half_options.compute_type = at::kHalf;
  auto half = SdxlBundle::load(half_options);
  auto full = SdxlBundle::load(options(tiny()));
  EXPECT_EQ(half->info().compute_note, "VAE in float32 (SDXL's overflows in float16)");
  EXPECT_EQ(full->info().compute_note, "");
  at::manual_seed(5);
  const at::Tensor latents = (at::randn({1, 4, 8, 8}) * 30).to(at::kHalf);
  const at::Tensor decoded = half->decode(latents);
  EXPECT_EQ(decoded.scalar_type(), at::kHalf);
  EXPECT_TRUE(at::isfinite(decoded).all().item<bool>());
  EXPECT_TRUE(decoded.equal(full->decode(latents.to(at::kFloat)).to(at::kHalf)));
}

TEST_F(SdxlTest, MissingMisShapedAndForeignTensorsAreNamed) {
  EXPECT_NE(load_error("--drop model.diffusion_model.label_emb.0.2.bias").find("label_emb.0.2.bias"),
            std::string::npos);
  EXPECT_NE(load_error("--drop conditioner.embedders.1.model.text_projection").find("text_projection"),
            std::string::npos);
  EXPECT_NE(load_error("--reshape conditioner.embedders.1.model.ln_final.weight").find("ln_final.weight"),
            std::string::npos);
  EXPECT_NE(load_error("--extra model.diffusion_model.lora_extra").find("lora_extra"), std::string::npos);
}

TEST_F(SdxlTest, BigGIdsArePaddedWithZeroAfterTheFirstEndToken) {
  const int32_t end = 49407;
  const auto ids = SdxlBundle::tower_ids({{49406, 320, 2165, end, end, end}, {49406, end, end, end, end, end}}, end);
  EXPECT_EQ(ids.eos, (std::vector<int64_t>{3, 1}));
  EXPECT_TRUE(
      at::equal(ids.clip_l,
                at::tensor({49406, 320, 2165, end, end, end, 49406, end, end, end, end, end}, at::kLong).view({2, 6})));
  EXPECT_TRUE(
      at::equal(ids.clip_g, at::tensor({49406, 320, 2165, end, 0, 0, 49406, end, 0, 0, 0, 0}, at::kLong).view({2, 6})));
}

TEST_F(SdxlTest, PooledTextIsTheNormedLastLayerAtTheEndTokenTimesTheProjection) {
  // sgm and open_clip compute h·P; stable-diffusion.cpp computes h·Pᵀ. The
  // tiny file's P is not symmetric, so the two differ here.
  sd::WeightStore store(at::kFloat, c10::Device(c10::kCPU)), last(at::kFloat, c10::Device(c10::kCPU));
  store.add_file(sd::open_safetensors_file(tiny()));
  last.add_file(sd::open_safetensors_file(tiny()));
  const sd::ClipTextEncoder tower(store, bigg(true, false, true));
  const sd::ClipTextEncoder last_layer(last, bigg(false, true, false));
  sd::WeightStore raw(at::kFloat, c10::Device(c10::kCPU));
  raw.add_file(sd::open_safetensors_file(tiny()));
  const at::Tensor P = raw.take(std::string(sdxl::kClipGPrefix) + "text_projection", {128, 128});

  const at::Tensor ids = at::tensor({49406, 320, 2165, 2368, 49407, 0, 0, 0}, at::kLong).view({1, 8});
  const sd::ClipOutput out = tower.forward_pooled(ids, {4});
  const at::Tensor h = last_layer.forward(ids)[0][4];
  EXPECT_TRUE(at::allclose(out.pooled[0], at::matmul(h, P), 1e-4, 1e-5));
  EXPECT_GT((out.pooled[0] - at::matmul(h, P.t())).abs().max().item<double>(), 1e-2);
  // The context is the penultimate layer without the final norm.
  EXPECT_TRUE(at::allclose(out.hidden, tower.forward(ids)));
  EXPECT_FALSE(at::allclose(out.hidden, last_layer.forward(ids, 2), 1e-3, 1e-3));
}

TEST_F(SdxlTest, AnEmptyNegativePromptIsAllZerosAndASpaceIsEncoded) {
  auto bundle = SdxlBundle::load(options(tiny()));
  const at::Tensor empty = bundle->encode_negative_prompt("");
  EXPECT_EQ(empty.sizes(), (at::IntArrayRef{1, 78, 192}));
  EXPECT_EQ(empty.abs().max().item<double>(), 0.0);
  // Not empty: encoded like a prompt, pooled part included (A1111 zeroes only "").
  const at::Tensor space = bundle->encode_negative_prompt(" ");
  EXPECT_TRUE(at::equal(space, bundle->encode_prompt(" ")));
  const sdxl::Conditioning parts = sdxl::unpack_conditioning(space, 128);
  EXPECT_GT(parts.vector_text.abs().max().item<double>(), 0.0);
  EXPECT_GT(parts.context.abs().max().item<double>(), 0.0);
  // The positive prompt "" is encoded, not zeroed.
  EXPECT_TRUE(at::equal(bundle->encode_prompt(""), space));
}

TEST_F(SdxlTest, LongPromptsPadWithEmptyChunksBeforeThePooledRow) {
  auto bundle = SdxlBundle::load(options(tiny()));
  std::string long_prompt;
  for (int i = 0; i < 80; ++i) long_prompt += "cat ";
  const at::Tensor two = bundle->encode_prompt(long_prompt);
  ASSERT_EQ(two.sizes(), (at::IntArrayRef{1, 2 * 77 + 1, 192}));
  const at::Tensor one = bundle->encode_prompt("a dog");
  const at::Tensor padded = bundle->pad_conditioning(one, two.size(1));
  ASSERT_EQ(padded.sizes(), two.sizes());
  EXPECT_TRUE(at::equal(padded.narrow(1, 0, 77), one.narrow(1, 0, 77)));
  EXPECT_TRUE(at::equal(padded.narrow(1, 77, 77), bundle->encode_prompt("").narrow(1, 0, 77)));
  EXPECT_TRUE(at::equal(padded.select(1, 154), one.select(1, 77)));  // the pooled row stays last
  EXPECT_THROW(bundle->pad_conditioning(two, 100), Error);
  // The pooled text comes from the first chunk (A1111): the same as that chunk's alone.
  std::string first_chunk;
  for (int i = 0; i < 75; ++i) first_chunk += "cat ";
  const at::Tensor one_chunk = bundle->encode_prompt(first_chunk);
  ASSERT_EQ(one_chunk.size(1), 78);
  // Close, not bit-equal: the long prompt's chunks go through the encoder as
  // one batch of two, and on some CPUs the matrix kernels block a batch of two
  // differently from a batch of one (last bits differ; CI saw it). The second
  // chunk's pooled text would differ by far more than this tolerance.
  const at::Tensor first_pooled = one_chunk.select(1, 77), pooled = two.select(1, 154);
  EXPECT_TRUE(at::allclose(first_pooled, pooled, 1e-4, 1e-5));
  std::string second_chunk;
  for (int i = 75; i < 80; ++i) second_chunk += "cat ";
  EXPECT_FALSE(at::allclose(bundle->encode_prompt(second_chunk).select(1, 77), pooled, 1e-2, 1e-3));
}

TEST_F(SdxlTest, SizeEmbeddingIsCosineThenSineOfEachValue) {
  SizeConditioning sizes;
  const auto values = sizes.values(256, 384);
  EXPECT_EQ(values, (std::array<int64_t, 6>{256, 384, 0, 0, 256, 384}));
  sizes.original_height = 1024, sizes.original_width = 768, sizes.crop_top = 8, sizes.crop_left = 16;
  EXPECT_EQ(sizes.values(256, 384), (std::array<int64_t, 6>{1024, 768, 8, 16, 256, 384}));
  const at::Tensor pooled = at::randn({2, 128});
  const at::Tensor y = sdxl::vector_conditioning(pooled, values, false).to(at::kDouble);
  ASSERT_EQ(y.sizes(), (at::IntArrayRef{2, 128 + 1536}));
  EXPECT_TRUE(at::equal(y.narrow(1, 0, 128), pooled.to(at::kDouble)));
  for (int part = 0; part < 6; ++part) {
    for (int k : {0, 1, 64, 127}) {
      const double f = std::exp(-std::log(10000.0) * k / 128.0), v = double(values[part]);
      EXPECT_NEAR(y[1][128 + part * 256 + k].item<double>(), std::cos(v * f), 2e-4) << part << " " << k;
      EXPECT_NEAR(y[1][128 + part * 256 + 128 + k].item<double>(), std::sin(v * f), 2e-4) << part << " " << k;
    }
  }
  // The refiner: original size and crop, then each item's aesthetic score
  // (the last packed value), not the target size.
  const at::Tensor text = at::cat({pooled, at::tensor({6.0f, 2.5f}).view({2, 1})}, 1);
  const at::Tensor r = sdxl::vector_conditioning(text, values, true).to(at::kDouble);
  ASSERT_EQ(r.sizes(), (at::IntArrayRef{2, 128 + 1280}));
  EXPECT_TRUE(at::equal(r.narrow(1, 0, 128 + 1024), y.narrow(1, 0, 128 + 1024)));
  for (int b = 0; b < 2; ++b) {
    const double score = b == 0 ? 6.0 : 2.5;
    EXPECT_NEAR(r[b][128 + 1024 + 3].item<double>(), std::cos(score * std::exp(-std::log(10000.0) * 3 / 128.0)), 1e-5);
  }
}

TEST_F(SdxlTest, PackedConditioningRoundTrips) {
  const at::Tensor context = at::randn({2, 77, 192}), pooled = at::randn({2, 128});
  const at::Tensor packed = sdxl::pack_conditioning(context, pooled);
  EXPECT_EQ(packed.sizes(), (at::IntArrayRef{2, 78, 192}));
  const sdxl::Conditioning parts = sdxl::unpack_conditioning(packed, 128);
  EXPECT_TRUE(at::equal(parts.context, context));
  EXPECT_TRUE(at::equal(parts.vector_text, pooled));
  // Wider than a token row (the refiner: pooled text + score): two rows.
  const at::Tensor narrow_context = at::randn({2, 77, 100}), wide = at::randn({2, 129});
  const at::Tensor two_rows = sdxl::pack_conditioning(narrow_context, wide);
  EXPECT_EQ(two_rows.sizes(), (at::IntArrayRef{2, 79, 100}));
  EXPECT_TRUE(at::equal(sdxl::unpack_conditioning(two_rows, 129).vector_text, wide));
  EXPECT_TRUE(at::equal(sdxl::unpack_conditioning(two_rows, 129).context, narrow_context));
}

TEST_F(SdxlTest, RefinerLoadsWithBigGAloneAndAestheticScores) {
  EXPECT_TRUE(sdxl::is_sdxl(refiner()));
  auto bundle = SdxlBundle::load(options(refiner()));
  EXPECT_TRUE(bundle->checkpoint().refiner);
  EXPECT_EQ(bundle->checkpoint().context_dim, 128);
  EXPECT_EQ(bundle->checkpoint().adm_channels, 128 + 5 * 256);
  EXPECT_EQ(bundle->load_report().taken + bundle->load_report().skipped,
            SafetensorsFile::open(refiner()).entries().size());
  EXPECT_EQ(bundle->load_report().skipped, 1u);  // bigG's logit_scale
  EXPECT_EQ(bundle->info().family, "SDXL refiner");
  EXPECT_EQ(model_registry::describe(refiner().string()).family, "SDXL refiner");
  // Prompt and negative prompt carry A1111's aesthetic scores after the pooled text.
  const at::Tensor prompt = bundle->encode_prompt("a cat"), negative = bundle->encode_negative_prompt("ugly");
  ASSERT_EQ(prompt.sizes(), (at::IntArrayRef{1, 77 + 2, 128}));
  EXPECT_FLOAT_EQ(sdxl::unpack_conditioning(prompt, 129).vector_text[0][128].item<float>(), 6.0f);
  EXPECT_FLOAT_EQ(sdxl::unpack_conditioning(negative, 129).vector_text[0][128].item<float>(), 2.5f);
  // An empty negative: tokens and pooled text zero, the score kept.
  const sdxl::Conditioning empty = sdxl::unpack_conditioning(bundle->encode_negative_prompt(""), 129);
  EXPECT_EQ(empty.context.abs().max().item<double>(), 0.0);
  EXPECT_EQ(empty.vector_text.narrow(1, 0, 128).abs().max().item<double>(), 0.0);
  EXPECT_FLOAT_EQ(empty.vector_text[0][128].item<float>(), 2.5f);

  Request request;
  request.model = refiner().string();
  request.tokenizer = support::clip_vocabulary().string();
  request.prompt = "a lovely cat";
  request.width = request.height = 16;
  request.steps = 2;
  request.cfg_scale = 5.0;
  request.precision = Precision::Float32;
  Pipeline pipeline;
  EXPECT_EQ(pipeline.run(request).images.sizes(), (at::IntArrayRef{1, 16, 16, 3}));
}

// v-prediction fine-tunes (NoobAI-XL V-Pred…) mark themselves with `v_pred`
// and `ztsnr` tensors, read as ComfyUI reads them; EDM-trained ones are
// refused by name.
TEST_F(SdxlTest, VPredictionAndZeroTerminalSnrMarkersAreRead) {
  const fs::path marked = *dir_ / "tiny-xl-vpred.safetensors";
  std::string why;
  ASSERT_TRUE(support::make_tiny_sd(marked, "--family sdxl --extra v_pred --extra ztsnr", &why)) << why;
  auto bundle = SdxlBundle::load(options(marked));
  EXPECT_EQ(bundle->load_report().taken + bundle->load_report().skipped,
            SafetensorsFile::open(marked).entries().size());
  const ModelInfo info = bundle->info();
  EXPECT_EQ(info.prediction, Prediction::V);
  EXPECT_EQ(info.prediction_source, "its v_pred marker");
  EXPECT_EQ(info.schedule, "scaled-linear-ztsnr");
  EXPECT_EQ(bundle->schedule().alpha_bar(999), 4.8973451890853435e-08);
  const ModelInfo described = model_registry::describe(marked.string());
  EXPECT_EQ(described.prediction, Prediction::V);
  EXPECT_EQ(described.schedule, "scaled-linear-ztsnr");

  Request request;
  request.model = marked.string();
  request.tokenizer = support::clip_vocabulary().string();
  request.prompt = "a lovely cat";
  request.width = request.height = 16;
  request.steps = 3;
  request.precision = Precision::Float32;
  Pipeline pipeline;
  const Result result = pipeline.run(request);
  EXPECT_TRUE(at::isfinite(result.images.to(at::kFloat)).all().item<bool>());
  EXPECT_NEAR(result.sigmas.front(), 4518.76, 0.01);  // the chain starts from (almost) pure noise
  EXPECT_EQ(result.request.schedule, "scaled-linear-ztsnr");
  EXPECT_NE(format_parameters(result.request, result.info).find("Noise Schedule: Zero Terminal SNR"),
            std::string::npos);
  // The ordinary file runs the ordinary schedule and says nothing of it.
  request.model = tiny().string();
  const Result plain = pipeline.run(request);
  EXPECT_NEAR(plain.sigmas.front(), 14.61, 0.01);
  EXPECT_EQ(format_parameters(plain.request, plain.info).find("Noise Schedule"), std::string::npos);

  EXPECT_NE(load_error("--extra edm_mean --extra edm_std").find("EDM"), std::string::npos);

  // A diffusers folder says it in its scheduler's config.
  const fs::path folder = *dir_ / "scheduler-only";
  fs::create_directories(folder / "scheduler");
  EXPECT_FALSE(sd::scheduler_zero_terminal_snr(folder));
  for (const auto& [json, expected] :
       std::vector<std::pair<std::string, bool>>{{R"({"rescale_betas_zero_snr": true})", true},
                                                 {R"({"rescale_betas_zero_snr": false})", false},
                                                 {R"({"rescale_betas_zero_snr": "yes"})", false},
                                                 {R"({"prediction_type": "v_prediction"})", false}}) {
    std::ofstream(folder / "scheduler" / "scheduler_config.json") << json;
    EXPECT_EQ(sd::scheduler_zero_terminal_snr(folder), expected) << json;
  }
}

TEST_F(SdxlTest, APipelineRunGivesAnImageAndTheSizeConditioningMatters) {
  Request request;
  request.model = tiny().string();
  request.tokenizer = support::clip_vocabulary().string();
  request.prompt = "a lovely cat";
  request.negative_prompt = "ugly";
  request.width = 32, request.height = 16;
  request.steps = 2;
  request.seed = 5;
  request.cfg_scale = 5.0;
  request.precision = Precision::Float32;
  Pipeline pipeline;
  const Result result = pipeline.run(request);
  EXPECT_EQ(result.images.sizes(), (at::IntArrayRef{1, 16, 32, 3}));
  EXPECT_EQ(result.info.family, "SDXL");

  // The size conditioning reaches the network (which reads the image size
  // off the latents): a crop changes the image.
  request.size_conditioning.crop_top = 64;
  const Result cropped = pipeline.run(request);
  EXPECT_FALSE(at::equal(result.images, cropped.images));
  EXPECT_EQ(cropped.request.size_conditioning.crop_top, 64);
  request.size_conditioning.crop_top = -1;
  EXPECT_THROW(pipeline.run(request), Error);
}

TEST_F(SdxlTest, TheRefinerFinishesTheRunFromItsSwitchPoint) {
  Request request;
  request.model = tiny().string();
  request.tokenizer = support::clip_vocabulary().string();
  request.prompt = "a lovely cat";
  request.negative_prompt = "ugly";
  request.width = request.height = 16;
  request.steps = 4;
  request.seed = 9;
  request.cfg_scale = 5.0;
  request.precision = Precision::Float32;
  auto run = [&](Pipeline& pipeline, std::vector<at::Tensor>* x0) {
    return pipeline.run(request, [x0](const StepEvent& event) { x0->push_back(event.x0.clone()); });
  };
  Pipeline pipeline;
  std::vector<at::Tensor> base_steps, refined_steps, late_steps;
  const Result base = run(pipeline, &base_steps);
  request.refiner = refiner().string();
  request.refiner_switch_at = 0.5;  // steps 2 and 3 of 4
  const Result refined = run(pipeline, &refined_steps);
  ASSERT_EQ(refined_steps.size(), 4u);
  EXPECT_TRUE(at::equal(refined_steps[0], base_steps[0]));
  EXPECT_TRUE(at::equal(refined_steps[1], base_steps[1]));
  EXPECT_FALSE(at::allclose(refined_steps[2], base_steps[2]));
  EXPECT_FALSE(at::equal(refined.images, base.images));
  EXPECT_EQ(refined.request.refiner, refiner().string());
  // Switching at 1: the refiner never runs.
  request.refiner_switch_at = 1.0;
  EXPECT_TRUE(at::equal(run(pipeline, &late_steps).images, base.images));
  // The first step the refiner runs, A1111's way (refiner_switch.h).
  auto first_refined_step = [&]() {
    std::vector<at::Tensor> alone, finished;
    const std::string refiner_path = request.refiner;
    request.refiner.clear();
    run(pipeline, &alone);
    request.refiner = refiner_path;
    run(pipeline, &finished);
    for (size_t i = 0; i < finished.size(); ++i) {
      if (!at::equal(finished[i], alone[i])) return static_cast<int>(i);
    }
    return -1;
  };
  // At 0.6 by noise level (the default): t = 999, 666, 333, 0 — the first
  // with t ≤ 399 is step 2; by sampling steps, call ⌈0.6 × 4⌉ = step 3.
  request.refiner_switch_at = 0.6;
  EXPECT_EQ(first_refined_step(), 2);
  request.refiner_switch_by_steps = true;
  EXPECT_EQ(first_refined_step(), 3);
  request.refiner_switch_by_steps = false;
  // DPM++ 2M's Karras σ's, 10 steps at 0.8: t ≤ 199 from step 6 on, where
  // "after 80 % of the steps" would have said 8.
  request.sampler = SamplerId::Dpmpp2m;
  request.steps = 10;
  request.refiner_switch_at = 0.8;
  EXPECT_EQ(first_refined_step(), 6);
  request.sampler = SamplerId::Euler;
  request.steps = 4;

  // The parameters name it as A1111 does, and keep its path.
  request.refiner_switch_at = 0.5;
  const std::string text = format_parameters(refined.request, refined.info);
  EXPECT_NE(text.find("Refiner: tiny-xl-refiner, Refiner switch at: 0.5, DiffScope refiner: "), std::string::npos)
      << text;
  const Request back = parse_parameters(text).request;
  EXPECT_EQ(back.refiner, request.refiner);
  EXPECT_DOUBLE_EQ(back.refiner_switch_at, 0.5);
  EXPECT_FALSE(back.refiner_switch_by_steps);
  EXPECT_EQ(text.find("Refiner switch by sampling steps"), std::string::npos);
  Request by_steps = refined.request;
  by_steps.refiner_switch_by_steps = true;
  const std::string by_steps_text = format_parameters(by_steps, refined.info);
  EXPECT_NE(by_steps_text.find("Refiner switch at: 0.5, Refiner switch by sampling steps: True"), std::string::npos)
      << by_steps_text;
  EXPECT_TRUE(parse_parameters(by_steps_text).request.refiner_switch_by_steps);

  // Only SDXL models take a refiner, and only an SDXL checkpoint is one.
  request.refiner = tiny().string();
  EXPECT_NO_THROW(Pipeline::plan(request));  // a base may finish a base (A1111 allows any)
  std::string why;
  ASSERT_TRUE(support::make_tiny_sd(*dir_ / "sd1.safetensors", "--family sd1", &why)) << why;
  request.refiner = (*dir_ / "sd1.safetensors").string();
  EXPECT_THROW(Pipeline::plan(request), Error);
  request.model = (*dir_ / "sd1.safetensors").string();
  request.refiner = refiner().string();
  EXPECT_THROW(Pipeline::plan(request), Error);
  request.model = tiny().string();
  request.refiner_switch_at = 0.0;
  EXPECT_THROW(Pipeline::plan(request), Error);
}

// Align Your Steps runs on NVIDIA's SDXL levels for the base and the refiner,
// and on its SD 1.5 levels for an SD 1.x checkpoint.
TEST_F(SdxlTest, AlignYourStepsUsesTheSdxlListForSdxlModels) {
  const fs::path sd1 = *dir_ / "sd1-ays.safetensors";
  std::string why;
  ASSERT_TRUE(support::make_tiny_sd(sd1, "--family sd1", &why)) << why;
  Request request;
  request.tokenizer = support::clip_vocabulary().string();
  request.prompt = "a lovely cat";
  request.width = request.height = 16;
  request.steps = 7;
  request.spacing = Spacing::AlignYourSteps;
  const NoiseSchedule schedule = NoiseSchedule::scaled_linear();
  for (const fs::path& model : {tiny(), refiner(), sd1}) {
    request.model = model.string();
    const AlignYourStepsList list = model == sd1 ? AlignYourStepsList::Sd15 : AlignYourStepsList::Sdxl;
    const std::vector<double> expected = align_your_steps_sigmas(7, list, schedule);
    const std::vector<double> planned = Pipeline::plan(request).sigmas;
    ASSERT_EQ(planned.size(), expected.size()) << model;
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(planned[i], expected[i], 1e-9) << model << " " << i;
  }
  // The two lists differ after σ_max, so a mix-up cannot pass.
  EXPECT_GT(std::abs(align_your_steps_sigmas(7, AlignYourStepsList::Sd15, schedule)[2] -
                     align_your_steps_sigmas(7, AlignYourStepsList::Sdxl, schedule)[2]),
            0.1);
}
