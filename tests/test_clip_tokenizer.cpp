#include "core/text/clip_tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

// The reference vocabulary lives in ../shared and may not be copied into the
// project: without it these tests skip and say why.
#define REQUIRE_VOCABULARY()                          \
  if (support::clip_vocabulary().empty())             \
  GTEST_SKIP() << "../shared/data/clip is not here: " \
                  "the CLIP vocabulary tests need it"

const ClipTokenizer& openai() {
  static const ClipTokenizer tokenizer = ClipTokenizer::from_openai_merges(support::clip_vocabulary());
  return tokenizer;
}

nlohmann::json fixtures() {
  std::ifstream in(support::shared_dir() / "data" / "clip" / "token_fixtures.json");
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(ClipTokenizer, VocabularyHasClipsSizeAndSpecialTokens) {
  REQUIRE_VOCABULARY();
  EXPECT_EQ(openai().vocabulary_size(), 49408u);
  EXPECT_EQ(openai().start_id(), 49406);
  EXPECT_EQ(openai().end_id(), 49407);
  EXPECT_EQ(openai().token_string(320), "a</w>");
}

// 29 prompts tokenized by CLIP's own SimpleTokenizer: ASCII, contractions,
// HTML entities, accents, CJK, emoji (ZWJ, flags, skin tones), Cyrillic and
// Greek, vulgar fractions, superscripts, Roman numerals, odd white space.
TEST(ClipTokenizer, MatchesOpenAisTokenizerOnEveryFixture) {
  REQUIRE_VOCABULARY();
  const auto cases = fixtures();
  ASSERT_GE(cases.size(), 29u);
  for (const auto& c : cases) {
    const std::string text = c["text"];
    const std::vector<int32_t> ids = openai().encode(text);
    EXPECT_EQ(ids, c["ids"].get<std::vector<int32_t>>()) << "text: " << text;
    std::vector<std::string> tokens;
    for (int32_t id : ids) tokens.push_back(openai().token_string(id));
    EXPECT_EQ(tokens, c["tokens"].get<std::vector<std::string>>()) << "text: " << text;
  }
}

TEST(ClipTokenizer, HuggingFaceFilesGiveTheSameIds) {
  REQUIRE_VOCABULARY();
  // Write the same vocabulary in Hugging Face's format (vocab.json + merges.txt).
  support::TempDir dir;
  nlohmann::json vocabulary = nlohmann::json::object();
  for (int32_t id = 0; id < static_cast<int32_t>(openai().vocabulary_size()); ++id) {
    vocabulary[openai().token_string(id)] = id;
  }
  std::ofstream(dir / "vocab.json") << vocabulary.dump();
  // merges.txt is the merge list's header and first 48,894 merges, as CLIP uses them.
  ASSERT_EQ(support::run_command("gzip -dc '" + support::clip_vocabulary().string() + "' | head -n 48895 > '" +
                                 (dir / "merges.txt").string() + "'"),
            0);
  const ClipTokenizer hf = ClipTokenizer::from_path(dir.path());
  EXPECT_EQ(hf.vocabulary_size(), 49408u);
  for (const auto& c : fixtures()) {
    EXPECT_EQ(hf.encode(c["text"].get<std::string>()), c["ids"].get<std::vector<int32_t>>()) << c["text"];
  }
}

TEST(ClipTokenizer, CleansTextAsClipDoes) {
  EXPECT_EQ(ClipTokenizer::clean_text("  A   Red\t\tFox\n"), "a red fox");
  EXPECT_EQ(ClipTokenizer::clean_text("salt &amp;amp; pepper &#39;x&#x27;"), "salt & pepper 'x'");
  EXPECT_EQ(ClipTokenizer::clean_text("Cafe\xCC\x81"), "caf\xC3\xA9");   // NFC: e + combining acute → é
  EXPECT_EQ(ClipTokenizer::clean_text("\xE2\x85\xAB"), "\xE2\x85\xBB");  // Ⅻ → ⅻ
  EXPECT_EQ(ClipTokenizer::clean_text("a\xC2\xA0"
                                      "b\xE3\x80\x80"
                                      "c"),
            "a b c");
}

TEST(ClipTokenizer, RefusesFilesThatAreNotAVocabulary) {
  support::TempDir dir;
  std::ofstream(dir / "bad.txt.gz") << "not gzip at all";
  EXPECT_THROW(ClipTokenizer::from_openai_merges(dir / "bad.txt.gz"), Error);
  EXPECT_THROW(ClipTokenizer::from_path(dir.path()), Error);  // no vocab.json/merges.txt
  std::ofstream(dir / "vocab.json") << "{\"a\": \"x\"}";
  std::ofstream(dir / "merges.txt") << "#version\na b\n";
  EXPECT_THROW(ClipTokenizer::from_path(dir.path()), Error);  // ids are not integers
  EXPECT_THROW(ClipTokenizer::from_openai_merges(dir / "missing.gz"), Error);
}

TEST(ClipTokenizer, FindsTokenizerFilesNextToACheckpoint) {
  support::TempDir dir;
  const auto checkpoint = dir / "model.safetensors";
  std::ofstream(checkpoint) << "x";
  setenv("HOME", dir.path().c_str(), 1);
  unsetenv("DIFFSCOPE_CLIP_TOKENIZER");
  EXPECT_FALSE(find_clip_tokenizer(checkpoint, "", false).has_value());
  EXPECT_EQ(find_clip_tokenizer(checkpoint, "/some/where", false), std::filesystem::path("/some/where"));
  std::filesystem::create_directories(dir / "tokenizer");
  std::ofstream(dir / "tokenizer" / "vocab.json") << "{}";
  std::ofstream(dir / "tokenizer" / "merges.txt") << "";
  EXPECT_EQ(find_clip_tokenizer(checkpoint, "", false), dir / "tokenizer");
  // The Hugging Face cache.
  std::filesystem::remove_all(dir / "tokenizer");
  const auto snapshot = dir / ".cache/huggingface/hub/models--openai--clip-vit-large-patch14/snapshots/abc";
  std::filesystem::create_directories(snapshot);
  std::ofstream(snapshot / "vocab.json") << "{}";
  std::ofstream(snapshot / "merges.txt") << "";
  EXPECT_EQ(find_clip_tokenizer(checkpoint, "", false), snapshot);
  EXPECT_FALSE(find_clip_tokenizer(checkpoint, "", true).has_value());  // SD 2.x looks for its own
}
