#include "core/pipeline/parameters_text.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/pipeline/parameters_parse.h"

using namespace diffscope;

namespace {
// What an installed model (not opened from a file) tells the parameters.
ModelInfo installed_model(const std::string& name) {
  ModelInfo info;
  info.name = name;
  return info;
}
}  // namespace

TEST(ParametersText, FollowsAutomatic1111Layout) {
  Request r;
  r.model = "oracle";
  r.prompt = "a cat";
  r.sampler = SamplerId::EulerAncestral;
  r.spacing = Spacing::Karras;
  r.schedule = "linear";
  r.cfg_scale = 7.5;
  r.eta = 1.0;
  r.seed = 10;
  r.steps = 25;
  EXPECT_EQ(format_parameters(r, installed_model(r.model), 2),
            "a cat\nSteps: 25, Sampler: Euler a, Schedule type: Karras, CFG scale: 7.5, Seed: 12, Size: 64x64, "
            "Model: oracle, DiffScope spacing: karras, DiffScope noise schedule: linear, Eta: 1, "
            "Version: DiffScope 0.1");
}

TEST(ParametersText, NegativePromptOnlyWhenPresentAndValuesQuoted) {
  Request r;
  r.prompt = "cat, dog: friends\nline two";
  r.negative_prompt = "blurry";
  r.sampler = SamplerId::Ddpm;
  r.spacing = Spacing::Trailing;
  r.schedule = "cosine";
  r.cfg_scale = 1.0;
  r.model = "my, model";
  const std::string text = format_parameters(r, installed_model(r.model));
  EXPECT_EQ(text.rfind("cat, dog: friends\nline two\nNegative prompt: blurry\nSteps: 20, Sampler: DDPM,", 0), 0u);
  EXPECT_NE(text.find("Model: \"my, model\""), std::string::npos);
  EXPECT_NE(text.find("DDPM variance: beta-tilde"), std::string::npos);
  r.negative_prompt.clear();
  EXPECT_EQ(format_parameters(r, installed_model(r.model)).find("Negative prompt"), std::string::npos);
}

TEST(ParametersText, QuotesLikeA1111) {
  EXPECT_EQ(quote_parameter_value("plain"), "plain");
  EXPECT_EQ(quote_parameter_value("a,b"), "\"a,b\"");
  EXPECT_EQ(quote_parameter_value("x: \"y\"\n"), "\"x: \\\"y\\\"\\n\"");
  EXPECT_EQ(quote_parameter_value("猫: ja"), "\"猫: ja\"");  // not escaped to \u
}

TEST(ParametersText, SdxlSizeConditioningIsWrittenOnlyWhenSetAndReadBack) {
  ModelInfo sdxl;
  sdxl.kind = ModelKind::StableDiffusion;
  sdxl.name = "sd_xl_base_1.0";
  sdxl.options.size_conditioning = true;
  Request r;
  r.model = "/models/sd_xl_base_1.0.safetensors";
  r.prompt = "a cat";
  r.width = 1024, r.height = 768;
  EXPECT_EQ(format_parameters(r, sdxl).find("DiffScope crop"), std::string::npos);  // the default: nothing written

  r.size_conditioning.crop_left = 16, r.size_conditioning.crop_top = 32;
  r.size_conditioning.original_width = 2048;  // its height: the image's
  const std::string text = format_parameters(r, sdxl);
  EXPECT_NE(text.find("DiffScope original size: 2048x768, DiffScope crop: 16x32, DiffScope target size: 1024x768"),
            std::string::npos)
      << text;
  const Request back = parse_parameters(text).request;
  EXPECT_EQ(back.size_conditioning.values(back.height, back.width), r.size_conditioning.values(r.height, r.width));
  // A model without size conditioning never writes it.
  EXPECT_EQ(format_parameters(r, installed_model("x")).find("DiffScope crop"), std::string::npos);
}
