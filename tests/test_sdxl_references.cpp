// SDXL's pieces, each against a second, independent implementation: what
// Hugging Face's transformers and diffusers compute on the same tiny random
// checkpoints (tests/data/sdxl_references.safetensors, written by
// tests/tools/make_sdxl_references.py, which loads the sgm single file with
// diffusers' own converters). The whole-image conformance test can hide a
// mistake random weights forgive; here the token ids, each text tower, the
// pooled text, the vector conditioning, the U-Net and the VAE are compared on
// their own, for the base and for the refiner.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/common/cancel_token.h"
#include "core/io/safetensors.h"
#include "core/models/sdxl/sdxl_bundle.h"
#include "core/models/sdxl/sdxl_conditioning.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/prompt_chunks.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

class SdxlReferences : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    if (!support::make_tiny_sd(base(), "--family sdxl", &why_)) return;
    if (!support::make_tiny_sd(refiner(), "--family sdxl-refiner", &why_)) return;
    reference_ = new SafetensorsFile(
        SafetensorsFile::open(support::source_dir() / "tests" / "data" / "sdxl_references.safetensors"));
  }
  static void TearDownTestSuite() {
    delete reference_;
    delete dir_;
  }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
    // The references hold for these exact weights: a changed make_tiny_sd.py
    // needs make_sdxl_references.py run again, which this says, rather than
    // a piece that looks wrong.
    for (const auto& [checkpoint, key] :
         {std::pair{base(), "sha256_sdxl"}, std::pair{refiner(), "sha256_sdxl_refiner"}}) {
      ASSERT_EQ(
          support::reference_checkpoint_changed(checkpoint, reference_->metadata().at(key), "make_sdxl_references.py"),
          "");
    }
  }
  static fs::path base() { return *dir_ / "tiny-xl.safetensors"; }
  static fs::path refiner() { return *dir_ / "tiny-xl-refiner.safetensors"; }
  static std::unique_ptr<SdxlBundle> load(const fs::path& checkpoint) {
    SdLoadOptions o;
    o.checkpoint = checkpoint;
    o.tokenizer = support::clip_vocabulary().string();
    return SdxlBundle::load(o);
  }
  static at::Tensor ref(const std::string& name) { return reference_->tensor(name).clone(); }
  static std::string prompt() { return reference_->metadata().at("prompt"); }
  // The pipeline's time ids (heights first) as DiffScope's size setting.
  static SizeConditioning sizes(const at::Tensor& time_ids) {
    SizeConditioning s;
    s.original_height = time_ids[0][0].item<int>(), s.original_width = time_ids[0][1].item<int>();
    s.crop_top = time_ids[0][2].item<int>(), s.crop_left = time_ids[0][3].item<int>();
    return s;
  }
  static std::array<int64_t, 6> values(const at::Tensor& time_ids) {
    std::array<int64_t, 6> v{};
    for (int64_t i = 0; i < time_ids.size(1); ++i) v[i] = time_ids[0][i].item<int64_t>();
    return v;
  }

  static support::TempDir* dir_;
  static SafetensorsFile* reference_;
  static std::string why_;
};
support::TempDir* SdxlReferences::dir_ = nullptr;
SafetensorsFile* SdxlReferences::reference_ = nullptr;
std::string SdxlReferences::why_;

TEST_F(SdxlReferences, TokenIdsMatchTheTwoTokenizers) {
  // CLIP-L's rows pad with the end token, bigG's with 0 ("!", tokenizer_2's pad).
  const ClipTokenizer tokenizer = ClipTokenizer::from_path(support::clip_vocabulary());
  const std::vector<TokenChunk> chunks = chunk_prompt(prompt(), tokenizer);
  ASSERT_EQ(chunks.size(), 1u);
  const SdxlBundle::TowerIds ids = SdxlBundle::tower_ids({chunks[0].ids}, tokenizer.end_id());
  EXPECT_TRUE(at::equal(ids.clip_l, ref("ids_l")));
  EXPECT_TRUE(at::equal(ids.clip_g, ref("ids_g")));
}

TEST_F(SdxlReferences, TextTowersAndPooledTextMatchTransformers) {
  auto bundle = load(base());
  const sdxl::Conditioning ours = sdxl::unpack_conditioning(bundle->encode_prompt(prompt()), 128);
  const at::Tensor context = ref("context");
  // Each tower on its own: CLIP-L's 64 columns, then bigG's 128.
  EXPECT_LT(support::relative_max_error(ours.context.narrow(2, 0, 64), context.narrow(2, 0, 64)),
            support::kOtherImplementationTolerance)
      << "CLIP-L";
  EXPECT_LT(support::relative_max_error(ours.context.narrow(2, 64, 128), context.narrow(2, 64, 128)),
            support::kOtherImplementationTolerance)
      << "bigG";
  EXPECT_LT(support::relative_max_error(ours.vector_text, ref("pooled")), support::kOtherImplementationTolerance)
      << "pooled bigG text";
}

TEST_F(SdxlReferences, VectorConditioningMatchesDiffusersTimeIds) {
  const at::Tensor time_ids = ref("time_ids");
  EXPECT_LT(
      support::relative_max_error(sdxl::vector_conditioning(ref("pooled"), values(time_ids), false), ref("vector")),
      support::kOtherImplementationTolerance);
  // The refiner: original size, crop, then the aesthetic score (no target size).
  const at::Tensor refiner_ids = ref("refiner_time_ids");
  const at::Tensor text = at::cat({ref("refiner_pooled"), refiner_ids.narrow(1, 4, 1)}, 1);
  EXPECT_LT(
      support::relative_max_error(sdxl::vector_conditioning(text, values(refiner_ids), true), ref("refiner_vector")),
      support::kOtherImplementationTolerance);
}

TEST_F(SdxlReferences, UNetMatchesDiffusersAtTwoTimesteps) {
  auto bundle = load(base());
  const at::Tensor x = ref("x"), time_ids = ref("time_ids");
  // DiffScope takes the target size from the latents: the reference's must be the same.
  EXPECT_EQ(values(time_ids)[4], x.size(2) * 2);
  EXPECT_EQ(values(time_ids)[5], x.size(3) * 2);
  bundle->set_size_conditioning(sizes(time_ids));
  const at::Tensor conditioning = sdxl::pack_conditioning(ref("context"), ref("pooled"));
  for (const int t : {901, 250}) {
    const at::Tensor eps = bundle->network().forward(x, t, conditioning, CancelToken());
    EXPECT_LT(support::relative_max_error(eps, ref("eps_" + std::to_string(t))), support::kOtherImplementationTolerance)
        << "t = " << t;
  }
}

TEST_F(SdxlReferences, VaeDecodeAndEncodeMatchDiffusersAtSdxlScale) {
  auto bundle = load(base());
  EXPECT_LT(support::relative_max_error(bundle->decode(ref("z")), ref("decoded")),
            support::kOtherImplementationTolerance);
  EXPECT_LT(support::relative_max_error(bundle->encode_image(ref("image")), ref("encoded")),
            support::kOtherImplementationTolerance);
}

TEST_F(SdxlReferences, RefinerTextAndUNetMatchDiffusers) {
  auto bundle = load(refiner());
  // Its bigG alone; the packed text is the pooled text and the prompt's aesthetic score (6).
  const sdxl::Conditioning ours = sdxl::unpack_conditioning(bundle->encode_prompt(prompt()), 129);
  EXPECT_LT(support::relative_max_error(ours.context, ref("refiner_context")), support::kOtherImplementationTolerance);
  EXPECT_LT(support::relative_max_error(ours.vector_text.narrow(1, 0, 128), ref("refiner_pooled")),
            support::kOtherImplementationTolerance);
  const at::Tensor time_ids = ref("refiner_time_ids");
  EXPECT_FLOAT_EQ(ours.vector_text[0][128].item<float>(), time_ids[0][4].item<float>());

  bundle->set_size_conditioning(sizes(time_ids));
  const at::Tensor text = at::cat({ref("refiner_pooled"), time_ids.narrow(1, 4, 1)}, 1);
  const at::Tensor eps =
      bundle->network().forward(ref("x"), 250, sdxl::pack_conditioning(ref("refiner_context"), text), CancelToken());
  EXPECT_LT(support::relative_max_error(eps, ref("refiner_eps_250")), support::kOtherImplementationTolerance);
}

TEST_F(SdxlReferences, DiffusersFolderHasDiffusersLayoutAndGivesTheSamePieces) {
  // The diffusers folder the loader tests use (make_tiny_sd.py --diffusers,
  // renamed by DiffScope's own reading of diffusers' layout) must be what
  // diffusers' converter writes: same names, shapes and values — two
  // same-shaped tensors swapped in both that script and the loader would
  // otherwise pass every other test and mis-load real folders.
  const fs::path folder = *dir_ / "tiny-xl-diffusers";
  ASSERT_TRUE(support::make_tiny_sd(folder, "--family sdxl --diffusers", &why_)) << why_;
  EXPECT_EQ(support::diffusers_layout_differences(folder, reference_->metadata().at("diffusers_layout")), "");
  auto bundle = load(folder);
  const sdxl::Conditioning ours = sdxl::unpack_conditioning(bundle->encode_prompt(prompt()), 128);
  EXPECT_LT(support::relative_max_error(ours.context, ref("context")), support::kOtherImplementationTolerance);
  EXPECT_LT(support::relative_max_error(ours.vector_text, ref("pooled")), support::kOtherImplementationTolerance);
  bundle->set_size_conditioning(sizes(ref("time_ids")));
  const at::Tensor eps =
      bundle->network().forward(ref("x"), 250, sdxl::pack_conditioning(ref("context"), ref("pooled")), CancelToken());
  EXPECT_LT(support::relative_max_error(eps, ref("eps_250")), support::kOtherImplementationTolerance);
  EXPECT_LT(support::relative_max_error(bundle->decode(ref("z")), ref("decoded")),
            support::kOtherImplementationTolerance);
}
