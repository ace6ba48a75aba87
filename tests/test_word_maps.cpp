// Word heat maps (DAAM): the probe's sums against their definition, the
// words of a prompt, the recording through the pipeline (it never changes
// the image), and on the built-in model, that a word's map lands where its
// object is drawn.
#include "core/analysis/word_maps.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "core/common/errors.h"
#include "core/pipeline/pipeline.h"
#include "core/sampling/attention_probe.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/prompt_words.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

// softmax(q·kᵀ/√d) summed over heads, in double: the definition.
at::Tensor direct_map(const at::Tensor& q, const at::Tensor& k, int64_t row) {
  const at::Tensor qd = q[row].to(at::kDouble), kd = k[row].to(at::kDouble);
  return at::softmax(at::matmul(qd, kd.transpose(-1, -2)) / std::sqrt(double(q.size(-1))), -1).sum(0);  // (N, M)
}

const ClipTokenizer* clip() {
  static const ClipTokenizer* tokenizer =
      support::clip_vocabulary().empty()
          ? nullptr
          : new ClipTokenizer(ClipTokenizer::from_openai_merges(support::clip_vocabulary()));
  return tokenizer;
}

}  // namespace

TEST(AttentionProbe, SumsSoftmaxOverHeadsAndLayersForThePromptRowsOnly) {
  at::manual_seed(1);
  AttentionProbe probe(4, 6);
  probe.set_prompt_rows(2, 2);  // under CFG: rows 2 and 3 of a batch of 4
  const at::Tensor q1 = at::randn({4, 3, 24, 8}), k1 = at::randn({4, 3, 5, 8});
  const at::Tensor q2 = at::randn({4, 3, 24, 8}), k2 = at::randn({4, 3, 5, 8});
  probe.add(q1, k1, 4, 6);
  probe.add(q2, k2, 4, 6);
  const at::Tensor sums = probe.take();
  ASSERT_EQ(sums.sizes(), (at::IntArrayRef{2, 5, 4, 6}));
  for (int64_t row : {0, 1}) {
    const at::Tensor expected =
        (direct_map(q1, k1, row + 2) + direct_map(q2, k2, row + 2)).transpose(0, 1).reshape({5, 4, 6});
    EXPECT_LT((sums[row].to(at::kDouble) - expected).abs().max().item<double>(), 1e-5);
    // Every image position spreads each head's weight over the tokens: 3 heads × 2 layers.
    EXPECT_LT((sums[row].sum(0) - 6.0).abs().max().item<double>(), 1e-4);
  }
  EXPECT_FALSE(probe.take().defined()) << "take() empties the sums";
}

TEST(AttentionProbe, SmallerFeatureMapsAreUpsampledBicubicAndClamped) {
  at::manual_seed(2);
  AttentionProbe probe(8, 8);
  const at::Tensor q = at::randn({1, 2, 16, 4}), k = at::randn({1, 2, 3, 4});
  probe.add(q, k, 4, 4);
  const at::Tensor sums = probe.take();
  const at::Tensor native = direct_map(q, k, 0).transpose(0, 1).reshape({1, 3, 4, 4}).to(at::kFloat);
  const at::Tensor expected = at::upsample_bicubic2d(native, {8, 8}, false).clamp_min(0);
  EXPECT_LT((sums - expected).abs().max().item<double>(), 1e-5);
}

TEST(AttentionProbe, OnlyTheActiveProbeOfThisThreadRecords) {
  EXPECT_EQ(active_attention_probe(), nullptr);
  AttentionProbe outer(2, 2), inner(2, 2);
  {
    ScopedAttentionProbe a(outer);
    {
      ScopedAttentionProbe b(inner);
      EXPECT_EQ(active_attention_probe(), &inner);
    }
    EXPECT_EQ(active_attention_probe(), &outer);
  }
  EXPECT_EQ(active_attention_probe(), nullptr);
}

TEST(PromptWords, ClipTokensGroupIntoWordsWithTheirPositions) {
  if (clip() == nullptr) GTEST_SKIP() << "../shared/data/clip is not here";
  const ClipTokenizer& tokenizer = *clip();
  const std::vector<PromptWord> words =
      clip_prompt_words(chunk_prompt("a (photorealistic:1.2) café, cat and cat!", tokenizer), tokenizer);
  std::map<std::string, std::vector<int64_t>> found;
  for (const PromptWord& word : words) found[word.text] = word.positions;
  EXPECT_EQ(words.front().text, kStartTokenWord);
  EXPECT_EQ(found[kStartTokenWord], (std::vector<int64_t>{0}));
  EXPECT_EQ(found["a"], (std::vector<int64_t>{1}));
  // A word of several tokens is one word; its tokens are all its places.
  const std::vector<int32_t> pieces = tokenizer.encode("photorealistic");
  ASSERT_GT(pieces.size(), 1u);
  ASSERT_EQ(found["photorealistic"].size(), pieces.size());
  EXPECT_EQ(found["photorealistic"].front(), 2);
  EXPECT_EQ(found.count("café"), 1u) << "byte stand-ins are turned back into UTF-8";
  EXPECT_EQ(found["cat"].size(), 2u) << "a word written twice is one entry";
  EXPECT_EQ(found.count(","), 0u);
  EXPECT_EQ(found.count("!"), 0u);
  EXPECT_EQ(words.size(), 6u);  // <start>, a, photorealistic, café, cat, and
}

TEST(PromptWords, LongPromptsCountPositionsAcrossChunks) {
  if (clip() == nullptr) GTEST_SKIP() << "../shared/data/clip is not here";
  const ClipTokenizer& tokenizer = *clip();
  std::string prompt;
  for (int i = 0; i < 80; ++i) prompt += "dog ";
  prompt += "zebra";
  const std::vector<TokenChunk> chunks = chunk_prompt(prompt, tokenizer);
  ASSERT_EQ(chunks.size(), 2u);
  const std::vector<PromptWord> words = clip_prompt_words(chunks, tokenizer);
  std::map<std::string, std::vector<int64_t>> found;
  for (const PromptWord& word : words) found[word.text] = word.positions;
  EXPECT_EQ(found[kStartTokenWord], (std::vector<int64_t>{0, 77}));
  EXPECT_EQ(found["dog"].size(), 80u);
  EXPECT_EQ(found["zebra"], (std::vector<int64_t>{77 + 6}));  // after 5 more dogs in the second chunk
}

TEST(WordMapImages, StretchedToTheFullRangeAndNamedSafely) {
  const at::Tensor map = at::arange(16, at::kFloat).view({4, 4});
  const at::Tensor image = heat_map_image(map, 8, 8);
  EXPECT_EQ(image.sizes(), (at::IntArrayRef{8, 8}));
  EXPECT_EQ(image.min().item<int>(), 0);
  EXPECT_EQ(image.max().item<int>(), 255);
  EXPECT_EQ(heat_map_image(at::ones({4, 4}), 4, 4).max().item<int>(), 0);
  EXPECT_EQ(word_file_stem(3, "cat"), "03-cat");
  EXPECT_EQ(word_file_stem(12, "../x"), "12-___x");
  EXPECT_EQ(word_file_stem(1, "café"), "01-café");
}

class WordMapRuns : public support::FreshCacheTest {
 protected:
  struct Run {
    Result result;
    WordMapHistory maps;
  };
  Run run(Request request) {
    Run run;
    run.result = pipeline_.run(request, [&](const StepEvent& event) { run.maps.add(event); });
    return run;
  }
  Pipeline pipeline_;
};

TEST_F(WordMapRuns, RecordingNeverChangesTheImageOfTheBuiltInModel) {
  Request request;
  request.prompt = "grinning face";
  request.seed = 5;
  request.steps = 6;
  request.cfg_scale = 3.0;
  const Run plain = run(request);
  request.word_maps = true;
  const Run recorded = run(request);
  EXPECT_TRUE(at::equal(plain.result.images, recorded.result.images));
  EXPECT_TRUE(plain.maps.empty());
  ASSERT_EQ(recorded.maps.steps(), 6);
  EXPECT_EQ(recorded.maps.words(), (std::vector<std::string>{kStartTokenWord, "grinning", "face"}));
  EXPECT_EQ(recorded.maps.images(), 1) << "only the prompt's half of the guided batch";
}

TEST_F(WordMapRuns, ThePromptOfEachStepNamesItsWords) {
  Request request;
  request.prompt = "[red apple:banana:3]";
  request.steps = 6;
  request.word_maps = true;
  const Run recorded = run(request);
  EXPECT_TRUE(recorded.maps.step_map(1, "apple").defined());
  EXPECT_FALSE(recorded.maps.step_map(1, "banana").defined());
  EXPECT_TRUE(recorded.maps.step_map(4, "banana").defined());
  EXPECT_FALSE(recorded.maps.step_map(4, "apple").defined());
  EXPECT_EQ(recorded.maps.words(), (std::vector<std::string>{kStartTokenWord, "red", "apple", "banana"}));
}

TEST_F(WordMapRuns, ModelsWithoutCrossAttentionRefuse) {
  Request request;
  request.model = "oracle";
  request.prompt = "cat";
  request.word_maps = true;
  try {
    run(request);
    FAIL() << "the oracle has no attention to record";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("word heat maps"), std::string::npos) << error.what();
  }
}

// The check: a prompt naming one object drawn on white; the object
// word's map lies on the drawn (non-white) pixels more than the start
// token's. Over several objects and seeds, none of them tuned on. Measured:
// 10 of 16 (pizza, heart and sunflower not: this model's small text encoder
// folds the object into the start token, whose map then follows it), so
// what is asked is a majority, not every case (docs/PERFORMANCE.md).
TEST_F(WordMapRuns, AWordsMapLiesOnItsObjectOnTheBuiltInModel) {
  const std::vector<std::pair<std::string, std::string>> prompts = {
      {"banana", "banana"},      {"red apple", "apple"}, {"rocket", "rocket"},   {"sunflower", "sunflower"},
      {"grinning face", "face"}, {"pizza", "pizza"},     {"red heart", "heart"}, {"snowman", "snowman"}};
  int wins = 0, cases = 0;
  for (const auto& [prompt, word] : prompts) {
    for (int64_t seed : {11, 12}) {
      Request request;
      request.prompt = prompt;
      request.seed = seed;
      request.word_maps = true;
      const Run recorded = run(request);
      const at::Tensor image = recorded.result.images[0].to(at::kFloat);  // (H, W, 3)
      const at::Tensor drawn = (std::get<0>(image.min(2)) < 230).to(at::kFloat);
      const int height = static_cast<int>(image.size(0)), width = static_cast<int>(image.size(1));
      auto share_on_drawn = [&](const std::string& w) {
        const at::Tensor map = heat_map_image(recorded.maps.aggregate(w), width, height).to(at::kFloat);
        return (map * drawn).sum().item<double>() / std::max(1e-9, map.sum().item<double>());
      };
      const double object = share_on_drawn(word), start = share_on_drawn(kStartTokenWord);
      ++cases;
      wins += object > start;
      std::printf("%-14s seed %lld: drawn %.2f of the image; on it: '%s' %.2f, start token %.2f\n", prompt.c_str(),
                  static_cast<long long>(seed), drawn.mean().item<double>(), word.c_str(), object, start);
    }
  }
  EXPECT_GT(wins, cases / 2) << wins << " of " << cases;
}

TEST(AttentionProbe, LeavesOutMapsEightTimesSmallerThanTheLatentAsDaamDoes) {
  AttentionProbe probe(64, 64);
  probe.add(at::randn({1, 2, 64, 4}), at::randn({1, 2, 3, 4}), 8, 8);
  EXPECT_FALSE(probe.take().defined());
  probe.add(at::randn({1, 2, 256, 4}), at::randn({1, 2, 3, 4}), 16, 16);
  EXPECT_TRUE(probe.take().defined());
}

// Tiny random SD 1.x, 2.x and SDXL checkpoints: the maps come with CLIP's
// words, one per image of the batch, and the image is the same bit for bit.
TEST_F(WordMapRuns, StableDiffusionFamiliesRecordWithoutChangingTheImage) {
  support::TempDir dir;
  for (const std::string family : {"sd1", "sd2", "sdxl"}) {
    SCOPED_TRACE(family);
    std::string why;
    const auto file = dir / (family + ".safetensors");
    if (!support::make_tiny_sd(file, "--family " + family, &why)) GTEST_SKIP() << why;
    Request request;
    request.model = file.string();
    request.tokenizer = support::clip_vocabulary().string();
    request.prompt = "a lovely (cat:1.2), BREAK in the snow";
    request.width = request.height = 64;
    request.steps = 3;
    request.batch = 2;
    request.cfg_scale = 5.0;
    request.precision = Precision::Float32;
    const Run plain = run(request);
    request.word_maps = true;
    const Run recorded = run(request);
    EXPECT_TRUE(at::equal(plain.result.images, recorded.result.images));
    EXPECT_EQ(recorded.maps.words(),
              (std::vector<std::string>{kStartTokenWord, "a", "lovely", "cat", "in", "the", "snow"}));
    EXPECT_EQ(recorded.maps.images(), 2);
    const at::Tensor map = recorded.maps.step_map(2, "snow", 1);
    ASSERT_TRUE(map.defined());
    EXPECT_EQ(map.sizes(), recorded.result.samples.sizes().slice(2));  // the latent's size
    EXPECT_GT(map.sum().item<double>(), 0);
  }
}

TEST(WordMapHistoryTest, KeptRunningSumsEqualTheDirectSums) {
  WordMapHistory history;
  at::manual_seed(3);
  auto step_maps = [](std::vector<std::string> words) {
    auto maps = std::make_shared<WordMaps>();
    maps->words = std::move(words);
    maps->maps = at::rand({2, static_cast<int64_t>(maps->words.size()), 3, 3});
    return maps;
  };
  for (int step = 0; step < 6; ++step) {
    // Prompt editing: "dog" only from step 3 on.
    history.add(step, step_maps(step < 3 ? std::vector<std::string>{"cat"} : std::vector<std::string>{"cat", "dog"}));
  }
  auto direct = [&](const std::string& word, int step) {
    return at::stack({history.aggregate(word, 0, step), history.aggregate(word, 1, step)});
  };
  for (int step : {5, 2, 4, 0, 5}) {  // scrubbing back and forth
    EXPECT_TRUE(at::allclose(history.batch_maps(step, "cat", true), direct("cat", step))) << step;
  }
  EXPECT_FALSE(history.batch_maps(2, "dog", true).defined()) << "no step so far had the word";
  EXPECT_TRUE(at::allclose(history.batch_maps(5, "dog", true), direct("dog", 5)));
  // A step recorded again (a live run's steps arrive anew) replaces its share of the sums.
  history.add(4, step_maps({"cat", "dog"}));
  EXPECT_TRUE(at::allclose(history.batch_maps(5, "dog", true), direct("dog", 5)));
  const at::Tensor one_step = history.batch_maps(4, "dog", false);
  ASSERT_EQ(one_step.sizes(), (at::IntArrayRef{2, 3, 3}));
  EXPECT_TRUE(at::equal(one_step[1], history.step_map(4, "dog", 1)));
}

TEST(PromptWords, AnEmbeddingIsOneWordNamedAfterItsFile) {
  if (clip() == nullptr) GTEST_SKIP() << "../shared/data/clip is not here";
  const ClipTokenizer& tokenizer = *clip();
  ChunkOptions options;
  options.embeddings = {{tokenizer.encode("badhand"), 2}};
  const std::vector<TokenChunk> chunks = chunk_prompt("a cat! badhand dog", tokenizer, options);
  const std::vector<PromptWord> words = clip_prompt_words(chunks, tokenizer, {"badhand"});
  std::map<std::string, std::vector<int64_t>> found;
  for (const PromptWord& word : words) found[word.text] = word.positions;
  EXPECT_EQ(found["badhand"], (std::vector<int64_t>{4, 5}));  // <start> a cat !
  EXPECT_EQ(found["dog"], (std::vector<int64_t>{6}));
  EXPECT_EQ(words.size(), 5u);  // <start>, a, cat, badhand, dog: its placeholder ids are not read as "!"
}
