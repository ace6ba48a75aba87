// SD 1.x and SD 2.x, piece by piece, against a second, independent
// implementation: what transformers and diffusers compute on the same tiny
// random checkpoints (tests/data/sd_references.safetensors, written by
// tests/tools/make_sd_references.py through diffusers' own converters).
// SD 1.5's whole image also matches stable-diffusion.cpp (test_sd_conformance);
// SD 2.x has no such reference, so this is where its conventions are checked:
// OpenCLIP's penultimate layer after the final norm, ids padded with 0,
// linear projections in the U-Net's transformers, heads of 64 channels.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/common/cancel_token.h"
#include "core/io/safetensors.h"
#include "core/models/sd/sd_bundle.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/prompt_chunks.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

class SdReferences : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    for (const std::string family : {"sd1", "sd2"}) {
      if (!support::make_tiny_sd(checkpoint(family), "--family " + family, &why_)) return;
    }
    reference_ = new SafetensorsFile(
        SafetensorsFile::open(support::source_dir() / "tests" / "data" / "sd_references.safetensors"));
  }
  static void TearDownTestSuite() {
    delete reference_;
    delete dir_;
  }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
    // The references hold for these exact weights; a changed make_tiny_sd.py
    // needs make_sd_references.py run again, which this says.
    ASSERT_EQ(support::reference_checkpoint_changed(
                  checkpoint(GetParam()), reference_->metadata().at("sha256_" + GetParam()), "make_sd_references.py"),
              "");
  }
  static fs::path checkpoint(const std::string& family) { return *dir_ / ("tiny-" + family + ".safetensors"); }
  std::unique_ptr<SdBundle> load() const {
    SdLoadOptions o;
    o.checkpoint = checkpoint(GetParam());
    o.tokenizer = support::clip_vocabulary().string();
    o.prediction = Prediction::Epsilon;  // the U-Net's raw output is compared; no need for A1111's test
    return SdBundle::load(o);
  }
  at::Tensor ref(const std::string& name) const { return reference_->tensor(GetParam() + "_" + name).clone(); }
  static std::string prompt() { return reference_->metadata().at("prompt"); }

  static support::TempDir* dir_;
  static SafetensorsFile* reference_;
  static std::string why_;
};
support::TempDir* SdReferences::dir_ = nullptr;
SafetensorsFile* SdReferences::reference_ = nullptr;
std::string SdReferences::why_;

TEST_P(SdReferences, TokenIdsMatchTheTokenizer) {
  // SD 1.x pads with the end token; SD 2.x's OpenCLIP tokenizer with 0.
  const ClipTokenizer tokenizer = ClipTokenizer::from_path(support::clip_vocabulary());
  ChunkOptions options;
  if (GetParam() == "sd2") options.pad_id = 0;
  const std::vector<TokenChunk> chunks = chunk_prompt(prompt(), tokenizer, options);
  ASSERT_EQ(chunks.size(), 1u);
  const std::vector<int32_t>& ids = chunks[0].ids;
  EXPECT_TRUE(at::equal(at::tensor(std::vector<int64_t>(ids.begin(), ids.end())).view({1, -1}), ref("ids")));
}

TEST_P(SdReferences, TextEncoderMatchesTransformers) {
  auto bundle = load();
  EXPECT_LT(support::relative_max_error(bundle->encode_prompt(prompt()), ref("context")),
            support::kOtherImplementationTolerance);
}

TEST_P(SdReferences, UNetMatchesDiffusersAtTwoTimesteps) {
  auto bundle = load();
  for (const int t : {901, 250}) {
    const at::Tensor eps = bundle->network().forward(reference_->tensor("x"), t, ref("context"), CancelToken());
    EXPECT_LT(support::relative_max_error(eps, ref("eps_" + std::to_string(t))), support::kOtherImplementationTolerance)
        << "t = " << t;
  }
}

TEST_P(SdReferences, VaeDecodeAndEncodeMatchDiffusers) {
  auto bundle = load();
  EXPECT_LT(support::relative_max_error(bundle->decode(ref("z")), ref("decoded")),
            support::kOtherImplementationTolerance);
  EXPECT_LT(support::relative_max_error(bundle->encode_image(ref("image")), ref("encoded")),
            support::kOtherImplementationTolerance);
}

TEST_P(SdReferences, DiffusersFolderHasDiffusersLayoutAndGivesTheSamePieces) {
  // make_tiny_sd.py --diffusers renames by DiffScope's own reading of
  // diffusers' layout; it must write what diffusers' converter writes, or a
  // mistake shared with the loader would pass here and mis-load real folders.
  // SD 2.x's diffusers text encoder is another network (OpenCLIP converted,
  // its last layer dropped): only its U-Net and VAE are compared.
  const fs::path folder = *dir_ / ("tiny-" + GetParam() + "-diffusers");
  std::string why;
  ASSERT_TRUE(support::make_tiny_sd(folder, "--family " + GetParam() + " --diffusers", &why)) << why;
  EXPECT_EQ(support::diffusers_layout_differences(folder, reference_->metadata().at("diffusers_layout_" + GetParam())),
            "");
  SdLoadOptions o;
  o.checkpoint = folder;
  o.tokenizer = support::clip_vocabulary().string();
  auto bundle = SdBundle::load(o);
  if (GetParam() == "sd1") {
    EXPECT_LT(support::relative_max_error(bundle->encode_prompt(prompt()), ref("context")),
              support::kOtherImplementationTolerance);
  }
  const at::Tensor eps = bundle->network().forward(reference_->tensor("x"), 250, ref("context"), CancelToken());
  EXPECT_LT(support::relative_max_error(eps, ref("eps_250")), support::kOtherImplementationTolerance);
  EXPECT_LT(support::relative_max_error(bundle->decode(ref("z")), ref("decoded")),
            support::kOtherImplementationTolerance);
}

INSTANTIATE_TEST_SUITE_P(Families, SdReferences, ::testing::Values("sd1", "sd2"));
