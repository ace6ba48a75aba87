// The built-in model as a ModelBundle, and through the Pipeline.
#include "core/models/ldm/ldm_bundle.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/common/errors.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/ldm_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

std::shared_ptr<ldm::LdmModel> tiny_model() {
  torch::manual_seed(11);
  return std::make_shared<ldm::LdmModel>(support::tiny_ldm_config({"red apple", "green pear"}));
}

Request tiny_request() {
  Request request;
  request.model = "tiny-test";
  request.prompt = "red apple";
  request.steps = 4;
  request.width = request.height = 32;
  request.cfg_scale = 3.0;
  return request;
}

}  // namespace

TEST(LdmBundle, ShapesAndErrors) {
  LdmBundle bundle(tiny_model(), c10::Device(c10::kCPU));
  EXPECT_EQ(bundle.name(), "tiny-test");
  EXPECT_EQ(bundle.network().prediction(), Prediction::V);
  EXPECT_EQ(bundle.schedule().name(), "scaled-linear");
  EXPECT_TRUE(bundle.info().small_operators);  // the app runs it on one thread
  EXPECT_EQ(bundle.encode_prompt("red apple").sizes(), (std::vector<int64_t>{1, 8, 16}));
  EXPECT_EQ(bundle.latent_shape(32, 32), (std::vector<int64_t>{4, 8, 8}));
  EXPECT_THROW(bundle.latent_shape(64, 64), Error);
  EXPECT_EQ(bundle.decode(at::zeros({2, 4, 8, 8})).sizes(), (std::vector<int64_t>{2, 3, 32, 32}));
  // A batch-1 context is broadcast over the batch.
  const at::Tensor out = bundle.network().forward(at::randn({3, 4, 8, 8}), 250.0, bundle.encode_prompt("x"), {});
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 4, 8, 8}));
  CancelToken cancelled;
  cancelled.cancel();
  EXPECT_THROW(bundle.network().forward(at::randn({1, 4, 8, 8}), 1.0, bundle.encode_prompt("x"), cancelled), Cancelled);
}

TEST(LdmBundle, RunsThroughThePipelineFromAModelsFolder) {
  support::TempDir dir;
  tiny_model()->save(dir / "tiny-test.json", dir / "tiny-test.safetensors");
  setenv("DIFFSCOPE_MODELS_DIR", dir.path().c_str(), 1);
  Pipeline pipeline;
  int steps = 0;
  const Result result = pipeline.run(tiny_request(), [&](const StepEvent& event) {
    EXPECT_EQ(event.x0.sizes(), (std::vector<int64_t>{1, 4, 8, 8}));  // latents, decoded by the caller
    ++steps;
  });
  EXPECT_EQ(steps, 4);
  EXPECT_EQ(result.images.sizes(), (std::vector<int64_t>{1, 32, 32, 3}));
  EXPECT_EQ(result.request.schedule, "scaled-linear");
  // Same request, same image; another seed, another image.
  EXPECT_TRUE(at::equal(pipeline.run(tiny_request()).images, result.images));
  Request other = tiny_request();
  other.seed = 99;
  EXPECT_FALSE(at::equal(pipeline.run(other).images, result.images));

  Request wrong_schedule = tiny_request();
  wrong_schedule.schedule = "cosine";
  EXPECT_THROW(pipeline.run(wrong_schedule), Error);
  Request wrong_size = tiny_request();
  wrong_size.width = 48;
  EXPECT_THROW(pipeline.run(wrong_size), Error);
  Request unknown = tiny_request();
  unknown.model = "no-such-model";
  EXPECT_THROW(pipeline.run(unknown), Error);
  unsetenv("DIFFSCOPE_MODELS_DIR");
}

TEST(LdmBundle, Bfloat16ComputeStaysCloseToFloat32) {
  auto model = tiny_model();
  LdmBundle bundle(model, c10::Device(c10::kCPU));
  const at::Tensor x = at::randn({2, 4, 8, 8});
  const at::Tensor context = bundle.encode_prompt("red apple");
  const at::Tensor reference = bundle.network().forward(x, 321.5, context, {});
  const at::Tensor reference_image = bundle.decode(x);
  bundle.set_compute_type(at::kBFloat16);
  EXPECT_EQ(bundle.compute_type(), at::kBFloat16);
  const at::Tensor fast = bundle.network().forward(x, 321.5, context, {});
  const at::Tensor fast_image = bundle.decode(x);
  EXPECT_EQ(fast.scalar_type(), at::kFloat);  // the sampler keeps working in float32
  EXPECT_EQ(fast_image.scalar_type(), at::kFloat);
  auto relative = [](const at::Tensor& a, const at::Tensor& b) { return ((a - b).norm() / b.norm()).item<double>(); };
  EXPECT_LT(relative(fast, reference), 0.05);
  EXPECT_LT(relative(fast_image, reference_image), 0.05);
  EXPECT_GT(relative(fast, reference), 0.0);  // it really ran in bfloat16
  EXPECT_THROW(bundle.set_compute_type(at::kHalf), Error);
}

TEST(LdmBundle, SaysWhichCaptionAPromptIsReadAs) {
  ldm::LdmConfig config = support::tiny_ldm_config({"red apple", "green pear"});
  config.text.captions = {{"red apple", {"apple fruit red k1 k2 k3 k4 k5 k6 k7 k8"}},
                          {"green pear", {"fruit green pear"}}};
  config.text.caption_styles = {"noto"};
  support::TempDir dir;
  // Through the file beside the config, as the shipped model carries it.
  torch::manual_seed(11);
  ldm::LdmModel(config).save(dir / "tiny-test.json", dir / "tiny-test.safetensors");
  const auto bundle = LdmBundle::load(dir.path(), "tiny-test", c10::Device(c10::kCPU));
  const auto warnings = bundle->prompt_warnings("a juicy apple");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "read as the nearest caption the model was trained on: red apple (by apple)");
  EXPECT_EQ(warnings[1], "the model never saw these words and leaves them out: a, juicy");
  EXPECT_TRUE(bundle->prompt_warnings("green pear").empty());
  // A pasted page of words: the first eight are named.
  EXPECT_EQ(bundle->prompt_warnings("juicy apple fruit k1 k2 k3 k4 k5 k6 k7 k8")[0],
            "read as the nearest caption the model was trained on: red apple (by apple, fruit, k1, k2, k3, k4, k5, k6 "
            "and 2 more)");
  EXPECT_TRUE(at::equal(bundle->encode_prompt("a juicy apple"), bundle->encode_prompt("red apple")));
  EXPECT_TRUE(bundle->info().text.nearest_caption);

  // Asked to read the prompt as written: the prompt's own known words, and
  // the warnings say only what is left out.
  bundle->set_prompt_as_written(true);
  EXPECT_EQ(bundle->prompt_warnings("a juicy apple"),
            (std::vector<std::string>{"the model never saw these words and leaves them out: a, juicy"}));
  EXPECT_TRUE(at::equal(bundle->encode_prompt("a juicy apple"), bundle->encode_prompt("apple")));
  EXPECT_FALSE(at::equal(bundle->encode_prompt("a juicy apple"), bundle->encode_prompt("red apple")));
  EXPECT_EQ(bundle->prompt_words("a juicy apple").size(), 2u);  // <start>, apple
  bundle->set_prompt_as_written(false);
  EXPECT_TRUE(at::equal(bundle->encode_prompt("a juicy apple"), bundle->encode_prompt("red apple")));

  // A model without an index always reads prompts as written, and says so.
  EXPECT_FALSE(LdmBundle::describe(support::tiny_ldm_config({"red apple"})).text.nearest_caption);
}

TEST(LdmBundle, ABytesModelSaysWhichCharactersOfAChineseRunItLeftOut) {
  // The model cuts "红色苹果" into one word (bytes), the caption index into
  // four characters: "苹" and "果" choose the caption, so they are not left out.
  ldm::LdmConfig config = support::tiny_ldm_config({"red apple", "green pear"});
  ASSERT_EQ(config.text.word_split, ldm::WordSplit::Bytes);
  config.text.captions = {{"red apple", {"苹果"}}, {"green pear", {"梨"}}};
  support::TempDir dir;
  torch::manual_seed(11);
  ldm::LdmModel(config).save(dir / "tiny-test.json", dir / "tiny-test.safetensors");
  const auto bundle = LdmBundle::load(dir.path(), "tiny-test", c10::Device(c10::kCPU));
  EXPECT_EQ(bundle->prompt_warnings("红色苹果 juicy"),
            (std::vector<std::string>{"read as the nearest caption the model was trained on: red apple (by 苹, 果)",
                                      "the model never saw these words and leaves them out: 红, 色, juicy"}));
  // Read as written, the run is one unknown word again.
  bundle->set_prompt_as_written(true);
  EXPECT_EQ(bundle->prompt_warnings("红色苹果 juicy"),
            (std::vector<std::string>{"the model never saw these words and leaves them out: 红色苹果, juicy"}));
}
