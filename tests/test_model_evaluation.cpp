// The built-in model's evaluation: its metrics on known inputs, and a whole
// evaluation of a tiny (untrained) model on a synthetic data set.
#include "core/evaluation/model_evaluation.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/common/errors.h"
#include "tests/support/ldm_test_support.h"

using namespace diffscope;
using namespace diffscope::evaluation;

TEST(ModelEvaluation, PsnrOfKnownDifferences) {
  const at::Tensor a = at::full({4, 4, 3}, 100, at::kByte);
  EXPECT_DOUBLE_EQ(psnr(a, a), 99.0);
  EXPECT_NEAR(psnr(a, a + 1), 10 * std::log10(255.0 * 255.0), 1e-9);  // MSE 1 → 48.13 dB
  EXPECT_NEAR(psnr(a, a + 10), 10 * std::log10(255.0 * 255.0 / 100.0), 1e-9);
  EXPECT_THROW(psnr(a, at::zeros({4, 4, 1}, at::kByte)), Error);
}

TEST(ModelEvaluation, NearestImagesAreOrderedByPixelDistance) {
  at::Tensor set = at::zeros({4, 2, 2, 3}, at::kByte);
  for (int64_t i = 0; i < 4; ++i) set[i].fill_(50 * i);
  const NearestImages index(set);
  EXPECT_EQ(index.nearest(at::full({2, 2, 3}, 101, at::kByte), 3), (std::vector<int64_t>{2, 3, 1}));  // 1, 49, 51 away
  EXPECT_EQ(index.nearest(set[0], 1), (std::vector<int64_t>{0}));
  EXPECT_EQ(index.nearest(set[0], 10).size(), 4u);  // never more than the set
}

TEST(ModelEvaluation, FidelityPromptsNameDistinctTrainedEmoji) {
  const EmojiPairs pairs = support::synthetic_pairs(40);
  const auto picks = fidelity_picks(pairs, 10);
  ASSERT_EQ(picks.size(), 10u);
  std::set<std::string> keys;
  for (int64_t i : picks) {
    EXPECT_FALSE(pairs.held_out[static_cast<size_t>(i)]);
    keys.insert(pairs.keys[static_cast<size_t>(i)]);
  }
  EXPECT_EQ(keys.size(), 10u);
  EXPECT_EQ(fidelity_picks(pairs, 1000).size(), 32u);  // every trained key once (8 of 40 are held out)
}

TEST(ModelEvaluation, WholeEvaluationOfATinyModel) {
  const EmojiPairs pairs = support::synthetic_pairs(20);
  const auto tiny = support::tiny_ldm_bundle(pairs);
  LdmBundle& bundle = *tiny;
  EvaluationOptions options;
  options.fidelity_prompts = 6;
  options.sampling.steps = 3;
  options.sampling.sampler = SamplerId::Euler;
  int calls = 0;
  const EvaluationReport report =
      evaluate_model(bundle, pairs, options, [&](const std::string&, int, int) { ++calls; });
  EXPECT_EQ(report.held_out_images, 4);
  EXPECT_EQ(report.fidelity_runs.size(), 6u);
  EXPECT_EQ(report.held_out_runs.size(), 4u);
  EXPECT_EQ(calls, 10);
  EXPECT_GT(report.autoencoder_psnr, 0.0);
  EXPECT_LT(report.autoencoder_psnr, 40.0);  // an untrained autoencoder cannot reconstruct
  EXPECT_GE(report.fidelity, 0.0);
  EXPECT_LE(report.fidelity, 1.0);
  EXPECT_LE(report.held_out_style, report.held_out_any_style);  // its own image is one of its emoji's images
  EXPECT_NE(report_json(report, options).find("\"prompt_fidelity\""), std::string::npos);
}

// "Same picture": each prompt-fidelity image against another sampling's of
// the same prompt and seed.
TEST(ModelEvaluation, ComparesWithAReferenceSampling) {
  const EmojiPairs pairs = support::synthetic_pairs(20);
  const auto tiny = support::tiny_ldm_bundle(pairs);
  LdmBundle& bundle = *tiny;
  EvaluationOptions options;
  options.fidelity_prompts = 4;
  options.sampling.steps = 3;
  options.reference = options.sampling;  // the very same sampling: the same images
  EvaluationReport report = evaluate_model(bundle, pairs, options);
  EXPECT_DOUBLE_EQ(report.reference_psnr_median, 99.0);
  EXPECT_DOUBLE_EQ(report.reference_fidelity, report.fidelity);
  for (const auto& run : report.fidelity_runs) EXPECT_EQ(run.reference_hit, run.hit);

  options.reference->steps = 1;  // another sampling: other pictures, each compared
  options.reference->sampler = SamplerId::Dpmpp2m;
  report = evaluate_model(bundle, pairs, options);
  EXPECT_LT(report.reference_psnr_median, 99.0);
  EXPECT_GT(report.reference_psnr_median, 0.0);
  EXPECT_LE(report.reference_psnr_mean, 99.0);
  const std::string json = report_json(report, options);
  EXPECT_NE(json.find("\"psnr_median_db\""), std::string::npos);
  EXPECT_NE(json.find("\"reference_psnr_db\""), std::string::npos);
}

// --prompt-language: each emoji asked for by its name in that language where
// the data set has one.
TEST(ModelEvaluation, AsksInAnotherLanguage) {
  EmojiPairs pairs = support::synthetic_pairs(20);
  pairs.phrasings.resize(20);
  for (size_t i = 0; i < 20; i += 2) pairs.phrasings[i] = {{"de", "Klecks " + std::to_string(i), {}}};
  const auto tiny = support::tiny_ldm_bundle(pairs);
  EvaluationOptions options;
  options.fidelity_prompts = 6;
  options.sampling.steps = 2;
  options.prompt_language = "de";
  const EvaluationReport report = evaluate_model(*tiny, pairs, options);
  int german = 0;
  for (const auto& run : report.fidelity_runs) german += run.prompt.rfind("Klecks ", 0) == 0;
  EXPECT_EQ(report.prompts_in_language, german);
  EXPECT_GT(german, 0);
  EXPECT_LT(german, 6);  // picks without a German name keep their English one
  EXPECT_NE(report_json(report, options).find("\"prompts_in_it\": " + std::to_string(german)), std::string::npos);
  options.prompt_language = "fr";  // no French names at all: English throughout
  EXPECT_EQ(evaluate_model(*tiny, pairs, options).prompts_in_language, 0);
}
