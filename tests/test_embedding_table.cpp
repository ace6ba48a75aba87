// Textual inversions through real (tiny, random) SD 1.x, SD 2.x and SDXL
// checkpoints: an embedding whose vectors are the token embeddings of some
// words conditions exactly as those words do — in every text tower, with
// emphasis and the pooled SDXL vector — an embedding for another model or a
// broken file named in a prompt is an error saying why, and through the pipeline
// the PNG parameters carry A1111's "TI hashes" of the embeddings used.
#include "core/models/adapters/embedding_table.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/io/safetensors.h"
#include "core/models/sd/sd_bundle.h"
#include "core/models/sdxl/sdxl_bundle.h"
#include "core/models/sdxl/sdxl_checkpoint.h"
#include "core/pipeline/parameters_text.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

const std::string kSd1Tokens = "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight";
const std::string kSd2Tokens = "cond_stage_model.model.token_embedding.weight";
const std::string kClipLTokens = std::string(sdxl::kClipLPrefix) + "embeddings.token_embedding.weight";
const std::string kClipGTokens = std::string(sdxl::kClipGPrefix) + "token_embedding.weight";

// The rows of a checkpoint's token-embedding table for `words` (their ids).
at::Tensor token_rows(const fs::path& checkpoint, const std::string& table, const std::string& words) {
  const ClipTokenizer tokenizer = ClipTokenizer::from_path(support::clip_vocabulary());
  const std::vector<int32_t> ids = tokenizer.encode(words);
  const at::Tensor index = at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong);
  return SafetensorsFile::open(checkpoint).tensor(table).to(at::kFloat).index_select(0, index).clone();
}

double max_difference(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

class EmbeddingTableTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    for (const char* family : {"sd1", "sd2", "sdxl"}) {
      if (!support::make_tiny_sd(checkpoint(family), std::string("--family ") + family, &why_)) return;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }
  static fs::path checkpoint(const std::string& family) { return *dir_ / ("tiny-" + family + ".safetensors"); }
  static SdLoadOptions options(const std::string& family) {
    SdLoadOptions o;
    o.checkpoint = checkpoint(family);
    o.tokenizer = support::clip_vocabulary().string();
    return o;
  }
  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* EmbeddingTableTest::dir_ = nullptr;
std::string EmbeddingTableTest::why_;

TEST_F(EmbeddingTableTest, SdEmbeddingsOfWordsConditionAsTheWords) {
  for (const auto& [family, table] : {std::pair{"sd1", kSd1Tokens}, std::pair{"sd2", kSd2Tokens}}) {
    SCOPED_TRACE(family);
    support::TempDir folder;
    write_safetensors(folder / "fruit.safetensors",
                      {{"emb_params", token_rows(checkpoint(family), table, "red apple")}});
    auto bundle = SdBundle::load(options(family));
    const at::Tensor words = bundle->encode_prompt("a (red apple:1.3), tree");
    bundle->set_embeddings(scan_embeddings({folder.path()}));
    EXPECT_TRUE(bundle->embeddings_used().empty());
    const at::Tensor named = bundle->encode_prompt("a (fruit:1.3), tree");
    EXPECT_LT(max_difference(named, words), 1e-5);
    ASSERT_EQ(bundle->embeddings_used().size(), 1u);
    EXPECT_EQ(bundle->embeddings_used()[0].name, "fruit");
    EXPECT_EQ(bundle->embeddings_used()[0].hash, embedding_short_hash(folder / "fruit.safetensors"));
    // Other vectors give other conditioning: the vectors are what is read.
    write_safetensors(folder / "other.safetensors",
                      {{"emb_params", token_rows(checkpoint(family), table, "red pear")}});
    bundle->set_embeddings(scan_embeddings({folder.path()}));
    EXPECT_GT(max_difference(bundle->encode_prompt("a (other:1.3), tree"), words), 1e-3);
    // Word maps see the embedding as one word.
    const auto prompt_words = bundle->prompt_words("a fruit tree");
    EXPECT_TRUE(std::any_of(prompt_words.begin(), prompt_words.end(),
                            [](const PromptWord& w) { return w.text == "fruit" && w.positions.size() == 2; }));
  }
}

TEST_F(EmbeddingTableTest, SdxlEmbeddingsFillBothTowersAndThePooledVector) {
  support::TempDir folder;
  const fs::path model = checkpoint("sdxl");
  write_safetensors(folder / "fruit.safetensors", {{"clip_l", token_rows(model, kClipLTokens, "red apple")},
                                                   {"clip_g", token_rows(model, kClipGTokens, "red apple")}});
  // Only one tower's words: the other tower reads something else.
  write_safetensors(folder / "half.safetensors", {{"clip_l", token_rows(model, kClipLTokens, "red apple")},
                                                  {"clip_g", token_rows(model, kClipGTokens, "red pear")}});
  auto bundle = SdxlBundle::load(options("sdxl"));
  const at::Tensor words = bundle->encode_prompt("a (red apple:0.8) on a table");
  bundle->set_embeddings(scan_embeddings({folder.path()}));
  const at::Tensor named = bundle->encode_prompt("a (fruit:0.8) on a table");
  ASSERT_EQ(named.sizes(), words.sizes());
  EXPECT_LT(max_difference(named, words), 1e-5) << "tokens and pooled vector (packed together)";
  EXPECT_GT(max_difference(bundle->encode_prompt("a (half:0.8) on a table"), words), 1e-3);
  EXPECT_EQ(bundle->embeddings_used().size(), 2u);
}

TEST_F(EmbeddingTableTest, AnEmbeddingThisModelCannotReadIsAnErrorOnlyWhenNamed) {
  support::TempDir folder;
  write_safetensors(folder / "sd2style.safetensors", {{"emb_params", at::zeros({2, 1024})}});
  write_safetensors(folder / "xlstyle.safetensors",
                    {{"clip_l", at::zeros({1, 768})}, {"clip_g", at::zeros({1, 1280})}});
  std::ofstream(folder / "badhandv4.pt") << "not a torch.save archive";
  auto bundle = SdBundle::load(options("sd1"));
  bundle->set_embeddings(scan_embeddings({folder.path()}));
  EXPECT_NO_THROW(bundle->encode_prompt("a cat"));
  const auto error_for = [&](const std::string& prompt) -> std::string {
    try {
      bundle->encode_prompt(prompt);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_for("a cat, sd2style").find("1024 wide"), std::string::npos) << error_for("a cat, sd2style");
  EXPECT_NE(error_for("xlstyle cat").find("SDXL embedding"), std::string::npos) << error_for("xlstyle cat");
  EXPECT_NE(error_for("cat (badhandv4:1.2)").find("not a ZIP archive"), std::string::npos)
      << error_for("cat (badhandv4:1.2)");
  // An SDXL model refuses a one-tower file the same way.
  auto xl = SdxlBundle::load(options("sdxl"));
  write_safetensors(folder / "sd1style.safetensors", {{"emb_params", at::zeros({2, 768})}});
  xl->set_embeddings(scan_embeddings({folder.path()}));
  try {
    xl->encode_prompt("sd1style");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("clip_l and clip_g"), std::string::npos) << e.what();
  }
}

TEST_F(EmbeddingTableTest, ThroughThePipelineTheParametersCarryTiHashes) {
  support::TempDir folder;
  write_safetensors(folder / "fruit.safetensors",
                    {{"emb_params", token_rows(checkpoint("sd1"), kSd1Tokens, "red apple")}});
  write_safetensors(folder / "unused.safetensors", {{"emb_params", at::zeros({1, 768})}});
  Request request;
  request.model = checkpoint("sd1").string();
  request.tokenizer = support::clip_vocabulary().string();
  request.width = request.height = 32;
  request.steps = 2;
  request.seed = 3;
  request.precision = Precision::Float32;
  request.embedding_dirs = {folder.path().string()};
  request.prompt = "a red apple";
  Pipeline pipeline;
  const Result words = pipeline.run(request);
  EXPECT_TRUE(words.info.embeddings.empty());
  EXPECT_EQ(format_parameters(words.request, words.info).find("TI hashes"), std::string::npos);
  request.prompt = "a fruit";
  const Result named = pipeline.run(request);
  EXPECT_LT(max_difference(named.images.to(at::kFloat), words.images.to(at::kFloat)), 2.0);
  const std::string parameters = format_parameters(named.request, named.info);
  EXPECT_NE(parameters.find("TI hashes: \"fruit: " + embedding_short_hash(folder / "fruit.safetensors") + "\""),
            std::string::npos)
      << parameters;
  // The next run forgets it.
  request.prompt = "a red apple";
  EXPECT_TRUE(pipeline.run(request).info.embeddings.empty());
}
