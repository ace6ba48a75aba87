#include "core/text/prompt_chunks.h"

#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

std::vector<std::pair<std::string, double>> parsed(const std::string& prompt) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& part : parse_prompt_emphasis(prompt)) out.emplace_back(part.text, part.weight);
  return out;
}

void expect_parts(const std::string& prompt, const std::vector<std::pair<std::string, double>>& expected) {
  const auto got = parsed(prompt);
  ASSERT_EQ(got.size(), expected.size()) << prompt;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, expected[i].first) << prompt << " part " << i;
    EXPECT_NEAR(got[i].second, expected[i].second, 1e-9) << prompt << " part " << i;
  }
}

const ClipTokenizer* vocabulary() {
  static const std::unique_ptr<ClipTokenizer> tokenizer =
      support::clip_vocabulary().empty()
          ? nullptr
          : std::make_unique<ClipTokenizer>(ClipTokenizer::from_openai_merges(support::clip_vocabulary()));
  return tokenizer.get();
}

}  // namespace

// The examples of A1111's parse_prompt_attention docstring.
TEST(PromptEmphasis, ParsesAutomatic1111Syntax) {
  expect_parts("normal text", {{"normal text", 1.0}});
  expect_parts("an (important) word", {{"an ", 1.0}, {"important", 1.1}, {" word", 1.0}});
  expect_parts("(unbalanced", {{"unbalanced", 1.1}});
  expect_parts("\\(literal\\]", {{"(literal]", 1.0}});
  expect_parts("(unnecessary)(parens)", {{"unnecessaryparens", 1.1}});
  expect_parts("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
               // The first "(" is never closed: it emphasises everything after it.
               {{"a ", 1.0},
                {"house", 1.5730000000000004},
                {" ", 1.1},
                {"on", 1.0},
                {" a ", 1.1},
                {"hill", 0.55},
                {", sun, ", 1.1},
                {"sky", 1.4641000000000006},
                {".", 1.1}});
  expect_parts("[[blurry]]", {{"blurry", 1.0 / 1.21}});
  expect_parts("", {{"", 1.0}});
  expect_parts("a: b", {{"a: b", 1.0}});
  expect_parts("(cat:x)", {{"cat:x", 1.1}});  // not a number: plain text, the bracket still emphasises
}

TEST(PromptEmphasis, BreakSplitsIntoItsOwnPart) {
  expect_parts("a cat BREAK a dog", {{"a cat", 1.0}, {"BREAK", kBreakWeight}, {"a dog", 1.0}});
  expect_parts("BREAKFAST", {{"BREAKFAST", 1.0}});
}

TEST(PromptChunks, ShortPromptIsOneChunkPaddedWithTheEndToken) {
  if (!vocabulary()) GTEST_SKIP() << "../shared/data/clip is not here";
  const auto chunks = chunk_prompt("a lovely cat", *vocabulary());
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].ids.size(), 77u);
  EXPECT_EQ(chunks[0].ids[0], 49406);
  EXPECT_EQ((std::vector<int32_t>(chunks[0].ids.begin() + 1, chunks[0].ids.begin() + 4)),
            (std::vector<int32_t>{320, 2165, 2368}));
  for (size_t i = 4; i < 77; ++i) EXPECT_EQ(chunks[0].ids[i], 49407) << i;
  // SD 2.x: the end token once, then zeros.
  ChunkOptions open_clip;
  open_clip.pad_id = 0;
  const auto padded = chunk_prompt("a lovely cat", *vocabulary(), open_clip);
  EXPECT_EQ(padded[0].ids[4], 49407);
  for (size_t i = 5; i < 77; ++i) EXPECT_EQ(padded[0].ids[i], 0) << i;
  // The empty prompt is start, end, padding.
  const auto empty = chunk_prompt("", *vocabulary());
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].ids[1], 49407);
}

TEST(PromptChunks, WeightsFollowTheTokensOfEachPart) {
  if (!vocabulary()) GTEST_SKIP() << "../shared/data/clip is not here";
  const auto chunks = chunk_prompt("a (lovely:1.5) cat", *vocabulary());
  EXPECT_EQ(chunks[0].ids[2], 2165);
  EXPECT_FLOAT_EQ(chunks[0].weights[0], 1.0f);
  EXPECT_FLOAT_EQ(chunks[0].weights[1], 1.0f);
  EXPECT_FLOAT_EQ(chunks[0].weights[2], 1.5f);
  EXPECT_FLOAT_EQ(chunks[0].weights[3], 1.0f);
}

TEST(PromptChunks, LongPromptsRunInChunksOf75BrokenAtACommaOrBreak) {
  if (!vocabulary()) GTEST_SKIP() << "../shared/data/clip is not here";
  // 100 single-token words: 75 in the first chunk, 25 in the second.
  std::string prompt;
  for (int i = 0; i < 100; ++i) prompt += "cat ";
  auto chunks = chunk_prompt(prompt, *vocabulary());
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].ids[75], 2368);
  EXPECT_EQ(chunks[0].ids[76], 49407);
  EXPECT_EQ(chunks[1].ids[25], 2368);
  EXPECT_EQ(chunks[1].ids[26], 49407);

  // A comma 10 tokens before the limit: the words after it move on.
  std::string with_comma;
  for (int i = 0; i < 64; ++i) with_comma += "cat ";
  with_comma += ", ";
  for (int i = 0; i < 20; ++i) with_comma += "dog ";
  chunks = chunk_prompt(with_comma, *vocabulary());
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].ids[65], 267);    // the comma ends the first chunk's text
  EXPECT_EQ(chunks[0].ids[66], 49407);  // then padding
  EXPECT_EQ(chunks[1].ids[1], 1929);    // "dog" goes on in the second chunk
  // BREAK starts a new chunk at once.
  chunks = chunk_prompt("a cat BREAK a dog", *vocabulary());
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[1].ids[1], 320);
}

// Textual inversions (A1111's tokenize_line): a name spelled by a run of a
// part's tokens — the longest name first — becomes its vectors' places, with
// the part's weight, kept whole in one chunk.
TEST(PromptChunks, AnEmbeddingsNameTakesThePlacesOfItsVectors) {
  if (!vocabulary()) GTEST_SKIP() << "../shared/data/clip is not here";
  const ClipTokenizer& clip = *vocabulary();
  ChunkOptions options;
  options.embeddings = {{clip.encode("easy"), 1}, {clip.encode("easynegative"), 3}};
  ASSERT_EQ(options.embeddings[1].name_ids.size(), 2u);  // easy, negative
  const auto chunks = chunk_prompt("a cat, (EasyNegative:1.2) cat", clip, options);
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].embeddings.size(), 1u);
  const EmbeddingPlace place = chunks[0].embeddings[0];
  EXPECT_EQ(place.embedding, 1) << "the longer name wins";
  EXPECT_EQ(place.position, 4);  // <start> a cat ,
  EXPECT_EQ(place.vectors, 3);
  for (int i = 4; i < 7; ++i) {
    EXPECT_EQ(chunks[0].ids[i], 0) << i;
    EXPECT_FLOAT_EQ(chunks[0].weights[i], 1.2f) << i;
  }
  EXPECT_EQ(chunks[0].ids[7], 2368);  // cat
  EXPECT_EQ(chunks[0].ids[8], 49407);
  // Inside a word of other tokens it is not the name.
  EXPECT_TRUE(chunk_prompt("uneasy cat", clip, options)[0].embeddings.empty());
  // Without the option the same prompt has no places.
  EXPECT_TRUE(chunk_prompt("a cat, EasyNegative cat", clip)[0].embeddings.empty());
}

TEST(PromptChunks, AnEmbeddingThatDoesNotFitStartsTheNextChunkAndMovesWithACommaBreak) {
  if (!vocabulary()) GTEST_SKIP() << "../shared/data/clip is not here";
  const ClipTokenizer& clip = *vocabulary();
  ChunkOptions options;
  options.embeddings = {{clip.encode("emb"), 8}};
  std::string prompt;
  for (int i = 0; i < 70; ++i) prompt += "cat ";
  auto chunks = chunk_prompt(prompt + "emb dog", clip, options);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_TRUE(chunks[0].embeddings.empty());
  EXPECT_EQ(chunks[0].ids[71], 49407) << "the first chunk is padded after 70 tokens";
  ASSERT_EQ(chunks[1].embeddings.size(), 1u);
  EXPECT_EQ(chunks[1].embeddings[0].position, 1);
  EXPECT_EQ(chunks[1].ids[9], 1929);  // dog after the 8 places
  // Words after the last comma move to the next chunk with their embedding
  // (A1111 leaves the embedding's vectors behind).
  std::string with_comma;
  for (int i = 0; i < 60; ++i) with_comma += "cat ";
  with_comma += ", emb ";
  for (int i = 0; i < 10; ++i) with_comma += "dog ";
  chunks = chunk_prompt(with_comma, clip, options);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_TRUE(chunks[0].embeddings.empty());
  ASSERT_EQ(chunks[1].embeddings.size(), 1u);
  EXPECT_EQ(chunks[1].embeddings[0].position, 1);
  EXPECT_EQ(chunks[1].ids[1], 0);
  EXPECT_EQ(chunks[1].ids[9], 1929);
  // More vectors than a chunk holds is an error, not a broken chunk.
  options.embeddings = {{clip.encode("emb"), 76}};
  EXPECT_THROW(chunk_prompt("emb", clip, options), Error);
}
