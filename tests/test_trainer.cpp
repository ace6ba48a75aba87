// The trainer, for real on a tiny model and a synthetic data set: output
// files, held-out images never seen, and an interrupted run that resumes to
// exactly the weights of an uninterrupted one.
#include "core/training/trainer.h"

#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/data/emoji_pairs.h"
#include "core/models/ldm/ldm_model.h"
#include "core/training/train_checkpoint.h"
#include "tests/support/ldm_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
using namespace diffscope::training;

namespace {

TrainOptions tiny_options(const support::TempDir& dir, const std::string& out) {
  TrainOptions options;
  options.data = dir / "pairs.safetensors";
  options.out_dir = dir / out;
  options.device = parse_device("cpu");
  options.autoencoder_steps = 6;
  options.unet_steps = 6;
  options.autoencoder_batch = options.unet_batch = 4;
  options.sample_every = 0;
  options.checkpoint_every = 2;
  options.architecture = support::tiny_ldm_config({"unused"});
  return options;
}

std::map<std::string, torch::Tensor> final_weights(const TrainOptions& options) {
  return ldm::LdmModel::load(options.out_dir / "tiny-test.json", options.out_dir / "tiny-test.safetensors").tensors();
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmojiPairs pairs = support::synthetic_pairs(20);
    // CLDR names for two emoji: a trained one and a held-out style image (4).
    pairs.phrasings.resize(20);
    pairs.phrasings[0] = {{"de", "roter Klecks null", {"Klecks"}}};
    pairs.phrasings[4] = {{"de", "verborgener Klecks", {}}};
    save_emoji_pairs(pairs, dir_ / "pairs.safetensors");
  }
  support::TempDir dir_;
};

}  // namespace

TEST_F(TrainerTest, WritesModelSamplesLogAndCheckpoint) {
  TrainOptions options = tiny_options(dir_, "run");
  options.name_aliases = true;
  std::vector<Progress> steps;
  const TrainSummary summary = train_model(options, [&](const Progress& p) { steps.push_back(p); });
  EXPECT_TRUE(std::filesystem::exists(summary.config_path));
  EXPECT_TRUE(std::filesystem::exists(summary.weights_path));
  EXPECT_TRUE(std::filesystem::exists(options.out_dir / "checkpoint.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(options.out_dir / "log.csv"));
  EXPECT_TRUE(std::filesystem::exists(options.out_dir / "samples" / "autoencoder-000006.png"));
  EXPECT_TRUE(std::filesystem::exists(options.out_dir / "samples" / "unet-000006.png"));
  ASSERT_EQ(steps.size(), 12u);  // one per step of each phase
  EXPECT_EQ(steps.front().phase, "autoencoder");
  EXPECT_EQ(steps.back().phase, "unet");
  EXPECT_EQ(steps.back().step, 6);
  EXPECT_GT(steps.back().seconds_per_step, 0.0);

  const ldm::LdmModel model = ldm::LdmModel::load(summary.config_path, summary.weights_path);
  EXPECT_GT(model.config.latent_scale, 0.0);
  // The vocabulary comes from trained captions only: the held-out images' word is unknown.
  const auto& vocabulary = model.config.text.vocabulary;
  EXPECT_NE(std::find(vocabulary.begin(), vocabulary.end(), "blob"), vocabulary.end());
  EXPECT_EQ(std::find(vocabulary.begin(), vocabulary.end(), "heldoutonly"), vocabulary.end());
  // --name-aliases: the trained emoji's German name, read as its caption name;
  // nothing from a held-out image.
  const std::map<std::string, std::string> aliases = {{"roter Klecks null", "red blob number 0"}};
  EXPECT_EQ(model.config.text.aliases, aliases);
}

TEST_F(TrainerTest, PhrasingLanguagesKeepOtherLanguagesOutOfTheVocabularyButNotOutOfTheAliases) {
  auto in_vocabulary = [](const ldm::LdmModel& model, const std::string& word) {
    const auto& vocabulary = model.config.text.vocabulary;
    return std::find(vocabulary.begin(), vocabulary.end(), word) != vocabulary.end();
  };
  TrainOptions every = tiny_options(dir_, "every-language");
  every.phrasing_share = 0.5;
  every.unet_steps = 2;
  const TrainSummary all = train_model(every);
  EXPECT_TRUE(in_vocabulary(ldm::LdmModel::load(all.config_path, all.weights_path), "klecks"));

  TrainOptions english = every;
  english.out_dir = dir_ / "english-only";
  english.phrasing_languages = {"en"};
  english.name_aliases = true;
  const TrainSummary only = train_model(english);
  const ldm::LdmModel model = ldm::LdmModel::load(only.config_path, only.weights_path);
  EXPECT_FALSE(in_vocabulary(model, "klecks"));
  EXPECT_TRUE(in_vocabulary(model, "blob"));
  EXPECT_EQ(model.config.text.aliases.count("roter Klecks null"), 1u);  // aliases read every language
}

TEST_F(TrainerTest, InterruptedRunResumesToTheSameWeights) {
  TrainOptions straight = tiny_options(dir_, "straight");
  straight.decoder_steps = 4;
  train_model(straight);

  // Stop in each phase and resume.
  TrainOptions interrupted = tiny_options(dir_, "interrupted");
  interrupted.decoder_steps = 4;
  for (const auto& [phase, step] :
       std::vector<std::pair<std::string, int64_t>>{{"autoencoder", 3}, {"unet", 4}, {"decoder", 2}}) {
    CancelToken cancel;
    auto stop = [&](const Progress& p) {
      if (p.phase == phase && p.step == step) cancel.cancel();
    };
    EXPECT_THROW(train_model(interrupted, stop, cancel), Cancelled);
    const auto checkpoint = read_checkpoint(interrupted.out_dir / "checkpoint.safetensors");
    EXPECT_EQ(phase_name(checkpoint.state.phase), phase);
    EXPECT_EQ(checkpoint.state.step, step);
    interrupted.resume = true;
  }
  interrupted.architecture.fast_setting = {"dpmpp_2m", 8};  // written although the checkpoint's config predates it
  train_model(interrupted);
  const ldm::LdmConfig written = ldm::load_config(interrupted.out_dir / "tiny-test.json");
  EXPECT_EQ(written.fast_setting.sampler, "dpmpp_2m");
  EXPECT_EQ(written.fast_setting.steps, 8);
  EXPECT_EQ(ldm::load_config(straight.out_dir / "tiny-test.json").fast_setting.steps, 0);

  const auto a = final_weights(straight), b = final_weights(interrupted);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, tensor] : a) {
    EXPECT_TRUE(torch::allclose(tensor, b.at(name), 1e-5, 1e-6)) << name;
  }
}

TEST_F(TrainerTest, DecoderPhaseChangesTheDecoderAndNothingElse) {
  const TrainOptions two_phases = tiny_options(dir_, "two");
  train_model(two_phases);
  TrainOptions three_phases = tiny_options(dir_, "three");
  three_phases.decoder_steps = 4;
  std::vector<std::string> phases;
  train_model(three_phases, [&](const Progress& p) { phases.push_back(p.phase); });
  EXPECT_EQ(std::count(phases.begin(), phases.end(), "decoder"), 4);
  EXPECT_TRUE(std::filesystem::exists(three_phases.out_dir / "samples" / "decoder-000004.png"));

  const auto before = final_weights(two_phases), after = final_weights(three_phases);
  ASSERT_EQ(before.size(), after.size());
  int changed = 0;
  for (const auto& [name, tensor] : before) {
    const bool same = torch::equal(tensor, after.at(name));
    if (name.rfind("autoencoder.decoder.", 0) == 0) {
      changed += same ? 0 : 1;
    } else {
      EXPECT_TRUE(same) << name << " changed, but only the decoder is fine-tuned";
    }
  }
  EXPECT_GT(changed, 0) << "the decoder did not learn";
}

TEST_F(TrainerTest, NewDenoiserOnAnotherModelsAutoencoder) {
  TrainOptions first = tiny_options(dir_, "first");
  first.decoder_steps = 2;
  train_model(first);
  // With a preview decoder, as the shipped model has: it comes along too.
  const std::filesystem::path source_dir = dir_ / "first-with-preview";
  {
    auto model = ldm::LdmModel::load(first.out_dir / "tiny-test.json", first.out_dir / "tiny-test.safetensors");
    model.add_preview_decoder({{8, 4}});
    std::filesystem::create_directories(source_dir);
    model.save(source_dir / "tiny-test.json", source_dir / "tiny-test.safetensors");
  }

  TrainOptions second = tiny_options(dir_, "second");
  second.autoencoder_from = source_dir / "tiny-test.json";
  second.architecture.unet.channels = {8, 16, 16};
  second.autoencoder_steps = 0;  // moot without an autoencoder phase
  std::vector<std::string> phases;
  train_model(second, [&](const Progress& p) { phases.push_back(p.phase); });
  EXPECT_EQ(phases, std::vector<std::string>(6, "unet"));  // no autoencoder or decoder steps

  const auto source = ldm::LdmModel::load(source_dir / "tiny-test.json", source_dir / "tiny-test.safetensors");
  const auto trained = ldm::LdmModel::load(second.out_dir / "tiny-test.json", second.out_dir / "tiny-test.safetensors");
  EXPECT_EQ(trained.config.latent_scale, source.config.latent_scale);
  EXPECT_EQ(trained.config.unet.channels, (std::vector<int64_t>{8, 16, 16}));
  EXPECT_EQ(trained.config.preview_decoder.channels, (std::vector<int64_t>{8, 4}));
  const auto before = source.tensors(), after = trained.tensors();
  int autoencoder_tensors = 0, preview_tensors = 0;
  for (const auto& [name, tensor] : after) {
    const bool autoencoder = name.rfind("autoencoder.", 0) == 0, preview = name.rfind("preview_decoder.", 0) == 0;
    if (!autoencoder && !preview) continue;
    ++(autoencoder ? autoencoder_tensors : preview_tensors);
    EXPECT_TRUE(torch::equal(tensor, before.at(name))) << name;
  }
  EXPECT_GT(autoencoder_tensors, 0);
  EXPECT_EQ(preview_tensors, 10);
  EXPECT_EQ(after.at("unet.conv_in.weight").size(0), 8);
  EXPECT_EQ(after.at("unet.down0.weight").size(0), 16);

  // Interrupted in its only phase, it resumes from its own checkpoint.
  TrainOptions interrupted = second;
  interrupted.out_dir = dir_ / "second-interrupted";
  CancelToken cancel;
  auto stop = [&](const Progress& p) {
    if (p.step == 3) cancel.cancel();
  };
  EXPECT_THROW(train_model(interrupted, stop, cancel), Cancelled);
  interrupted.resume = true;
  train_model(interrupted);
  const auto resumed = final_weights(interrupted);
  for (const auto& [name, tensor] : after) {
    EXPECT_TRUE(torch::allclose(tensor, resumed.at(name), 1e-5, 1e-6)) << name;
  }

  TrainOptions missing = tiny_options(dir_, "missing");
  missing.autoencoder_from = dir_ / "nowhere.json";
  EXPECT_THROW(train_model(missing), Error);
}

TEST_F(TrainerTest, SkinToneBalanceChangesOnlyWhichImagesTheUNetDraws) {
  // Sixteen of the twenty images are skin-tone variants of one emoji: balanced,
  // the U-Net sees the other four far more often, so it learns other weights;
  // the autoencoder's phase draws as before.
  EmojiPairs pairs = load_emoji_pairs(dir_ / "pairs.safetensors");
  const char* tones[] = {"", "-1f3fb", "-1f3fc", "-1f3fd", "-1f3fe", "-1f3ff"};
  for (size_t i = 4; i < pairs.keys.size(); ++i) pairs.keys[i] = std::string("1f44d") + tones[i % 6];
  save_emoji_pairs(pairs, dir_ / "toned.safetensors");

  TrainOptions uniform = tiny_options(dir_, "uniform");
  uniform.data = dir_ / "toned.safetensors";
  TrainOptions balanced = uniform;
  balanced.out_dir = dir_ / "balanced";
  balanced.balance_skin_tones = true;
  train_model(uniform);
  train_model(balanced);
  const auto a = final_weights(uniform), b = final_weights(balanced);
  int unet_changed = 0;
  for (const auto& [name, tensor] : a) {
    const bool same = torch::equal(tensor, b.at(name));
    if (name.rfind("autoencoder.", 0) == 0) {
      EXPECT_TRUE(same) << name;
    }
    if (name.rfind("unet.", 0) == 0 && !same) ++unet_changed;
  }
  EXPECT_GT(unet_changed, 0) << "balancing did not change what the U-Net drew";

  // Interrupted mid-way, a balanced run resumes to the same weights.
  TrainOptions interrupted = balanced;
  interrupted.out_dir = dir_ / "balanced-interrupted";
  CancelToken cancel;
  auto stop = [&](const Progress& p) {
    if (p.phase == "unet" && p.step == 3) cancel.cancel();
  };
  EXPECT_THROW(train_model(interrupted, stop, cancel), Cancelled);
  interrupted.resume = true;
  train_model(interrupted);
  for (const auto& [name, tensor] : final_weights(interrupted)) {
    EXPECT_TRUE(torch::allclose(tensor, b.at(name), 1e-5, 1e-6)) << name;
  }
}

TEST_F(TrainerTest, RefusesBadOptionsAndMissingCheckpoints) {
  TrainOptions options = tiny_options(dir_, "bad");
  options.resume = true;
  EXPECT_THROW(train_model(options), Error);  // nothing to resume
  options.resume = false;
  options.unet_steps = 0;
  EXPECT_THROW(train_model(options), Error);
  options = tiny_options(dir_, "bad");
  options.autoencoder_steps = 0;
  EXPECT_THROW(train_model(options), Error);
  options = tiny_options(dir_, "bad");
  options.data = dir_ / "missing.safetensors";
  EXPECT_THROW(train_model(options), Error);
}
