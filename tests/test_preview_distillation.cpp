// Distilling the preview decoder, for real on a tiny trained model and a
// synthetic data set: it learns to draw what the real decoder draws, the
// model file gains it and nothing else changes, and the bundle then previews
// through it while the final image still comes from the real decoder.
#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/data/emoji_pairs.h"
#include "core/models/ldm/ldm_bundle.h"
#include "core/models/ldm/ldm_model.h"
#include "core/training/preview_distillation.h"
#include "core/training/trainer.h"
#include "tests/support/ldm_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
using namespace diffscope::training;

namespace {

// One small trained model for all tests (training it is most of their time).
class PreviewDistillationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    save_emoji_pairs(support::synthetic_pairs(20), *dir_ / "pairs.safetensors");
    TrainOptions train;
    train.data = *dir_ / "pairs.safetensors";
    train.out_dir = *dir_ / "trained";
    train.device = parse_device("cpu");
    train.autoencoder_steps = 30;
    train.unet_steps = 2;
    train.autoencoder_batch = train.unet_batch = 4;
    train.sample_every = 0;
    train.checkpoint_every = 100;
    train.architecture = support::tiny_ldm_config({"unused"});
    trained_ = new TrainSummary(train_model(train));
  }
  static void TearDownTestSuite() {
    delete trained_;
    delete dir_;
  }

  static PreviewDistillOptions options(const std::string& out, int64_t steps) {
    PreviewDistillOptions o;
    o.model_config = trained_->config_path;
    o.model_weights = trained_->weights_path;
    o.data = *dir_ / "pairs.safetensors";
    o.out_dir = *dir_ / out;
    o.device = parse_device("cpu");
    o.steps = steps;
    o.batch = 8;
    o.shape.channels = {16, 8};
    return o;
  }

  static support::TempDir* dir_;
  static TrainSummary* trained_;
};

support::TempDir* PreviewDistillationTest::dir_ = nullptr;
TrainSummary* PreviewDistillationTest::trained_ = nullptr;

}  // namespace

TEST_F(PreviewDistillationTest, LearnsTheDecoderAndChangesNothingElse) {
  std::vector<Progress> reports;
  const PreviewDistillSummary summary =
      distill_preview_decoder(options("distilled", 150), [&](const Progress& p) { reports.push_back(p); });
  ASSERT_EQ(reports.size(), 150u);
  EXPECT_EQ(reports.back().phase, "preview");
  EXPECT_EQ(reports.back().step, 150);
  EXPECT_LT(reports.back().loss, reports.front().loss) << "the preview decoder did not learn";
  // Held-out images: closer to the real decoder than an untrained one (~10 dB or less).
  EXPECT_GT(summary.psnr_clean, 15.0);
  EXPECT_GT(summary.psnr_noisy, 12.0);

  const ldm::LdmModel before = ldm::LdmModel::load(trained_->config_path, trained_->weights_path);
  const ldm::LdmModel after = ldm::LdmModel::load(summary.config_path, summary.weights_path);
  EXPECT_FALSE(before.has_preview_decoder());
  ASSERT_TRUE(after.has_preview_decoder());
  EXPECT_EQ(after.config.preview_decoder.channels, (std::vector<int64_t>{16, 8}));
  const auto old_tensors = before.tensors(), new_tensors = after.tensors();
  int added = 0;
  for (const auto& [name, tensor] : new_tensors) {
    if (name.rfind("preview_decoder.", 0) == 0) {
      ++added;
      continue;
    }
    ASSERT_TRUE(old_tensors.count(name)) << name;
    EXPECT_TRUE(torch::equal(tensor, old_tensors.at(name)))
        << name << " changed, but only the preview decoder is trained";
  }
  EXPECT_EQ(new_tensors.size(), old_tensors.size() + static_cast<size_t>(added));
  EXPECT_EQ(added, 10);  // five convolutions, weight and bias each
}

TEST_F(PreviewDistillationTest, BundlePreviewsThroughItAndDecodesWithTheRealDecoder) {
  const PreviewDistillSummary summary = distill_preview_decoder(options("bundle", 20));
  auto model = std::make_shared<ldm::LdmModel>(ldm::LdmModel::load(summary.config_path, summary.weights_path));
  LdmBundle bundle(model, c10::Device(c10::kCPU));
  EXPECT_EQ(bundle.info().preview_note, "fast preview decoder");
  torch::NoGradGuard no_grad;
  const at::Tensor latents = at::randn({2, 4, 8, 8});
  const at::Tensor preview = bundle.preview(latents), decoded = bundle.decode(latents);
  EXPECT_EQ(preview.sizes(), decoded.sizes());
  EXPECT_TRUE(torch::allclose(preview, model->preview_decoder->forward(latents / model->config.latent_scale)));
  EXPECT_TRUE(torch::allclose(decoded, model->decode_latents(latents)));
  EXPECT_FALSE(torch::allclose(preview, decoded));

  // Without one, previews are the real decode.
  auto plain = std::make_shared<ldm::LdmModel>(ldm::LdmModel::load(trained_->config_path, trained_->weights_path));
  LdmBundle plain_bundle(plain, c10::Device(c10::kCPU));
  EXPECT_EQ(plain_bundle.info().preview_note, "");
  EXPECT_TRUE(torch::equal(plain_bundle.preview(latents), plain_bundle.decode(latents)));
}

TEST_F(PreviewDistillationTest, CancelWritesNothingAndBadOptionsAreRefused) {
  CancelToken cancel;
  int seen = 0;
  EXPECT_THROW(distill_preview_decoder(
                   options("cancelled", 50),
                   [&](const Progress&) {
                     if (++seen == 3) cancel.cancel();
                   },
                   cancel),
               Cancelled);
  EXPECT_EQ(seen, 3);
  EXPECT_FALSE(std::filesystem::exists(*dir_ / "cancelled"));

  EXPECT_THROW(distill_preview_decoder(options("none", 0)), Error);
  PreviewDistillOptions missing = options("missing", 5);
  missing.data = *dir_ / "no-such-file.safetensors";
  EXPECT_THROW(distill_preview_decoder(missing), Error);
}
