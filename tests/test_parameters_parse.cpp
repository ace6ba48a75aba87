#include "core/pipeline/parameters_parse.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/models/sd/sd_bundle.h"
#include "core/pipeline/parameters_text.h"

using namespace diffscope;

namespace {

void expect_same_settings(const Request& a, const Request& b) {
  EXPECT_EQ(a.prompt, b.prompt);
  EXPECT_EQ(a.negative_prompt, b.negative_prompt);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.sampler, b.sampler);
  EXPECT_EQ(a.spacing, b.spacing);
  EXPECT_EQ(a.schedule, b.schedule);
  EXPECT_EQ(a.eta, b.eta);
  EXPECT_EQ(a.ddpm_variance, b.ddpm_variance);
  EXPECT_EQ(a.cfg_scale, b.cfg_scale);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.model, b.model);
}

// What a model tells the parameters: one opened from a file (a Stable
// Diffusion checkpoint, with all its settings) or an installed one.
ModelInfo model_for(const Request& r) {
  if (r.model.find('/') == std::string::npos) {
    ModelInfo info;
    info.name = r.model;
    return info;
  }
  sd::CheckpointInfo checkpoint;
  checkpoint.path = r.model;
  return SdBundle::describe(checkpoint, 0);
}

Request tricky_request() {
  Request r;
  r.prompt = "cat, dog: friends\n猫と犬 — «Katze», 🐱\n\"quoted\" \\ backslash";
  r.negative_prompt = "blurry, low quality\nsecond: line";
  r.seed = 4294967297;  // past 32 bits, as A1111 seeds can be
  r.steps = 37;
  r.sampler = SamplerId::EulerAncestral;
  r.spacing = Spacing::Karras;
  r.schedule = "cosine";
  r.eta = 0.5;
  r.cfg_scale = 7.5;
  r.width = 48;
  r.height = 32;
  r.model = "my, model: v2";
  return r;
}

}  // namespace

TEST(ParametersParse, RoundTripsTrickyPromptsAndValues) {
  const Request r = tricky_request();
  const ParsedParameters parsed = parse_parameters(format_parameters(r, model_for(r)));
  EXPECT_TRUE(parsed.warnings.empty());
  expect_same_settings(parsed.request, r);
}

TEST(ParametersParse, RoundTripsDdpmVarianceAndBatchSeed) {
  Request r;
  r.prompt = "smile";
  r.sampler = SamplerId::Ddpm;
  r.spacing = Spacing::Trailing;
  r.schedule = "linear";
  r.ddpm_variance = DdpmVariance::Beta;
  r.cfg_scale = 1.0;
  r.seed = 10;
  const ParsedParameters parsed = parse_parameters(format_parameters(r, model_for(r), 3));
  EXPECT_EQ(parsed.request.ddpm_variance, DdpmVariance::Beta);
  EXPECT_EQ(parsed.request.seed, 13);  // image 3 of the batch
  EXPECT_FALSE(parsed.request.eta.has_value());
  EXPECT_TRUE(parsed.request.negative_prompt.empty());
}

// Each image of a batch is regenerated alone from its own PNG: with a
// variation seed they share the seed and differ in the variation seed.
TEST(ParametersParse, RoundTripsVariationSeedsPerBatchImage) {
  Request r;
  r.prompt = "smile";
  r.seed = 10;
  r.variation.seed = 500;
  r.variation.strength = 0.25;
  r.variation.resize_from_width = 96;
  r.variation.resize_from_height = 80;
  const std::string text = format_parameters(r, model_for(r), 2);
  EXPECT_NE(text.find("Seed: 10, Size: 64x64, Variation seed: 502, Variation seed strength: 0.25, "
                      "Seed resize from: 96x80"),
            std::string::npos)
      << text;
  const ParsedParameters parsed = parse_parameters(text);
  EXPECT_TRUE(parsed.warnings.empty());
  EXPECT_EQ(parsed.request.seed, 10);
  EXPECT_EQ(parsed.request.variation.seed, 502);
  EXPECT_EQ(parsed.request.variation.strength, 0.25);
  EXPECT_EQ(parsed.request.variation.resize_from_width, 96);
  EXPECT_EQ(parsed.request.variation.resize_from_height, 80);

  Request plain = r;  // none of it written when off
  plain.variation = {};
  EXPECT_EQ(format_parameters(plain, model_for(plain)).find("Variation"), std::string::npos);
  const ParsedParameters a1111 = parse_parameters(
      "cat\nSteps: 20, Seed: 1, Variation seed: 2, Variation seed strength: 1.5, Seed resize from: -1x-1");
  EXPECT_EQ(a1111.warnings.size(), 2u);  // a strength above 1, a negative size
  EXPECT_EQ(a1111.request.variation.seed, 2);
  EXPECT_EQ(a1111.request.variation.strength, 0.0);
}

TEST(ParametersParse, ReadsAutomatic1111Text) {
  const ParsedParameters parsed = parse_parameters(
      "a photo of a cat, (masterpiece:1.2)\nNegative prompt: ugly, blurry\n"
      "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3239133345, Size: 512x768, "
      "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: \"add_detail: 7c6bad76eb54\", Version: v1.9.4");
  const Request& r = parsed.request;
  EXPECT_EQ(r.prompt, "a photo of a cat, (masterpiece:1.2)");
  EXPECT_EQ(r.negative_prompt, "ugly, blurry");
  EXPECT_EQ(r.steps, 28);
  EXPECT_EQ(r.sampler, SamplerId::Dpmpp2m);
  EXPECT_EQ(r.spacing, Spacing::Karras);
  EXPECT_EQ(r.cfg_scale, 6.5);
  EXPECT_EQ(r.seed, 3239133345);
  EXPECT_EQ(r.width, 512);
  EXPECT_EQ(r.height, 768);
  EXPECT_EQ(r.model, "v1-5-pruned-emaonly");
  EXPECT_EQ(parsed.fields.at("Model hash"), "6ce0161689");
  EXPECT_EQ(parsed.fields.at("Lora hashes"), "add_detail: 7c6bad76eb54");
}

TEST(ParametersParse, ReadsTheScheduleInOlderAutomatic1111SamplerNames) {
  // A1111 before 1.9: "DPM++ 2M SDE Karras" is the sampler with Karras spacing.
  const Request karras = parse_parameters("cat\nSteps: 20, Sampler: DPM++ 2M SDE Karras, Seed: 1").request;
  EXPECT_EQ(karras.sampler, SamplerId::Dpmpp2mSde);
  EXPECT_EQ(karras.spacing, Spacing::Karras);
  const Request exponential = parse_parameters("cat\nSteps: 20, Sampler: DPM++ 2M SDE Exponential").request;
  EXPECT_EQ(exponential.sampler, SamplerId::Dpmpp2mSde);
  EXPECT_EQ(exponential.spacing, Spacing::Exponential);
  const Request plain = parse_parameters("cat\nSteps: 20, Sampler: DPM++ SDE").request;
  EXPECT_EQ(plain.sampler, SamplerId::DpmppSde);
  EXPECT_FALSE(plain.spacing.has_value());
  // An explicit schedule type wins; an unknown sampler keeps neither.
  EXPECT_EQ(parse_parameters("cat\nSteps: 20, Sampler: DPM2 Karras, Schedule type: Uniform").request.spacing,
            Spacing::Linspace);
  EXPECT_EQ(parse_parameters("cat\nSteps: 20, Sampler: LMS Karras").request.sampler, SamplerId::Lms);
  EXPECT_EQ(parse_parameters("cat\nSteps: 20, Sampler: UniPC").request.sampler, SamplerId::UniPc);
  EXPECT_EQ(parse_parameters("cat\nSteps: 20, Sampler: Euler, Schedule type: SGM Uniform").request.spacing,
            Spacing::SgmUniform);
  EXPECT_EQ(parse_parameters("cat\nSteps: 20, Sampler: Euler, Schedule type: KL Optimal").request.spacing,
            Spacing::KlOptimal);
  EXPECT_EQ(parse_parameters("cat\nSteps: 10, Sampler: DPM++ 2M, Schedule type: Align Your Steps").request.spacing,
            Spacing::AlignYourSteps);
  // A1111's other labels for lists DiffScope has, and one it does not have.
  const auto schedule_type = [](const std::string& label) {
    return parse_parameters("cat\nSteps: 20, Sampler: Euler, Schedule type: " + label);
  };
  EXPECT_EQ(schedule_type("Simple").request.spacing, Spacing::Simple);
  EXPECT_EQ(schedule_type("Normal").request.spacing, Spacing::Linspace);
  EXPECT_EQ(schedule_type("Polyexponential").request.spacing, Spacing::Exponential);
  EXPECT_EQ(schedule_type("SGMUniform").request.spacing, Spacing::SgmUniform);
  EXPECT_TRUE(schedule_type("Automatic").warnings.empty());
  EXPECT_FALSE(schedule_type("Automatic").request.spacing.has_value());
  const ParsedParameters ddim = schedule_type("DDIM");
  EXPECT_FALSE(ddim.request.spacing.has_value());
  ASSERT_EQ(ddim.warnings.size(), 1u);
  EXPECT_NE(ddim.warnings[0].find("Schedule type"), std::string::npos);
  const ParsedParameters unknown = parse_parameters("cat\nSteps: 20, Sampler: Restart Karras");
  EXPECT_EQ(unknown.warnings.size(), 1u);
  EXPECT_FALSE(unknown.request.spacing.has_value());
}

TEST(ParametersParse, WarnsAboutValuesItCannotUse) {
  const ParsedParameters parsed =
      parse_parameters("x\nSteps: many, Sampler: Restart, CFG scale: 3, Seed: 5, Size: big");
  EXPECT_EQ(parsed.warnings.size(), 3u);  // Steps, Sampler, Size
  EXPECT_EQ(parsed.request.steps, Request{}.steps);
  EXPECT_EQ(parsed.request.sampler, Request{}.sampler);
  EXPECT_EQ(parsed.request.seed, 5);
}

TEST(ParametersParse, RejectsTextWithoutParameters) {
  EXPECT_THROW({ parse_parameters(""); }, Error);
  EXPECT_THROW({ parse_parameters("just a comment\nwith lines"); }, Error);
}

TEST(ParametersParse, UnquotesOnlyJsonQuotedValues) {
  EXPECT_EQ(unquote_parameter_value(" plain "), "plain");
  EXPECT_EQ(unquote_parameter_value("\"a, b\\nc\""), "a, b\nc");
  EXPECT_EQ(unquote_parameter_value(quote_parameter_value("x: \"y\", z")), "x: \"y\", z");
}

// A1111's grammar: keys of word characters, spaces, '-' and '/'; a value is
// JSON-quoted only where its closing quote ends the field.
TEST(ParametersParse, SplitsFieldsAsA1111WritesThem) {
  const auto fields = parse_parameters(
                          "p\nSteps: 3,Sampler:Euler a, Lora hashes: \"a: 1, b: 2\", x.Schedule type: Karras, "
                          "Not-quoted: \"a\" b, Hires upscaler/2:  x  , : lost, tail")
                          .fields;
  EXPECT_EQ(fields.at("Steps"), "3");
  EXPECT_EQ(fields.at("Sampler"), "Euler a");
  EXPECT_EQ(fields.at("Lora hashes"), "a: 1, b: 2");
  EXPECT_EQ(fields.at("Schedule type"), "Karras");  // the key starts after the '.'
  EXPECT_EQ(fields.at("Not-quoted"), "\"a\" b");
  EXPECT_EQ(fields.at("Hires upscaler/2"), "x");
  EXPECT_EQ(fields.size(), 6u);
}

// A value of any length reads in time linear in it. std::regex recursed once
// per character and overflowed the stack on a 30 KB value without a comma (a
// fuzzing finding: the CLI crashed on such a PNG).
TEST(ParametersParse, HugeFieldsDoNotOverflowTheStack) {
  for (const size_t length : {30000, 300000, 3000000}) {
    const std::string value(length, 'P');
    const ParsedParameters plain = parse_parameters("red apple\nSteps: 20, Sampler: " + value);
    EXPECT_EQ(plain.fields.at("Sampler"), value);
    EXPECT_EQ(plain.request.steps, 20);
    const ParsedParameters quoted =
        parse_parameters("red apple\nSteps: 20, Model: " + quote_parameter_value(value + "\"," + value) + ", Seed: 7");
    EXPECT_EQ(quoted.fields.at("Model"), value + "\"," + value);
    EXPECT_EQ(quoted.request.seed, 7);
    const ParsedParameters keys = parse_parameters(std::string("x\nSteps: 2, ") + std::string(length, 'k'));
    EXPECT_EQ(keys.fields.size(), 1u);
  }
}

TEST(ParametersParse, RoundTripsStableDiffusionSettings) {
  Request r = tricky_request();
  r.model = "/models/my sd, v1.5.safetensors";
  r.vae = "/models/vae-ft-mse.safetensors";
  r.clip_skip = 2;
  r.prediction = Prediction::V;
  r.precision = Precision::BFloat16;
  r.init_image = "/images/start.png";
  r.strength = 0.6;
  const std::string text = format_parameters(r, model_for(r));
  // What AUTOMATIC1111 reads: the model by its name, Clip skip, VAE, strength.
  EXPECT_NE(text.find("Model: \"my sd, v1.5\""), std::string::npos) << text;
  EXPECT_NE(text.find("Clip skip: 2"), std::string::npos) << text;
  EXPECT_NE(text.find("VAE: vae-ft-mse.safetensors"), std::string::npos) << text;
  EXPECT_NE(text.find("Denoising strength: 0.6"), std::string::npos) << text;
  const ParsedParameters parsed = parse_parameters(text);
  EXPECT_TRUE(parsed.warnings.empty());
  expect_same_settings(parsed.request, r);
  EXPECT_EQ(parsed.request.vae, r.vae);
  EXPECT_EQ(parsed.request.clip_skip, 2);
  EXPECT_EQ(parsed.request.prediction, Prediction::V);
  EXPECT_EQ(parsed.request.precision, Precision::BFloat16);
  EXPECT_DOUBLE_EQ(parsed.request.strength, 0.6);
  EXPECT_TRUE(parsed.request.init_image.empty());  // the start image is not in the text
  EXPECT_EQ(text.find("Mask blur"), std::string::npos);  // not inpainting

  // Inpainting adds A1111's "Mask blur" (the mask itself is not in the text either).
  r.mask_image = "/images/mask.png";
  r.mask_blur = 9;
  const std::string inpainted = format_parameters(r, model_for(r));
  EXPECT_NE(inpainted.find("Denoising strength: 0.6, Mask blur: 9"), std::string::npos) << inpainted;
  EXPECT_EQ(parse_parameters(inpainted).request.mask_blur, 9);
  EXPECT_TRUE(parse_parameters(inpainted).request.mask_image.empty());
  EXPECT_EQ(inpainted.find("inpaint resample"), std::string::npos);  // 1: not written
  r.inpaint_resample = 5;
  const std::string resampled = format_parameters(r, model_for(r));
  EXPECT_NE(resampled.find("DiffScope inpaint resample: 5"), std::string::npos) << resampled;
  EXPECT_EQ(parse_parameters(resampled).request.inpaint_resample, 5);
  // A1111's "Masked content", written when it is not the original.
  EXPECT_EQ(resampled.find("Masked content"), std::string::npos);
  r.masked_content = MaskedContent::LatentNoise;
  const std::string noised = format_parameters(r, model_for(r));
  EXPECT_NE(noised.find("Masked content: latent noise"), std::string::npos) << noised;
  EXPECT_EQ(parse_parameters(noised).request.masked_content, MaskedContent::LatentNoise);
  EXPECT_EQ(parse_parameters("x\nSteps: 20, Masked content: fill").request.masked_content, MaskedContent::Fill);
  const ParsedParameters odd = parse_parameters("x\nSteps: 20, Masked content: lava");
  EXPECT_EQ(odd.request.masked_content, MaskedContent::Original);
  ASSERT_EQ(odd.warnings.size(), 1u);
  EXPECT_NE(odd.warnings[0].find("Masked content"), std::string::npos);
  r.masked_content = MaskedContent::Original;
  // The resize mode, which A1111 does not record, under DiffScope's own name when it is not "Just resize".
  EXPECT_EQ(resampled.find("resize mode"), std::string::npos);
  r.resize_mode = ResizeMode::LatentUpscale;
  const std::string upscaled = format_parameters(r, model_for(r));
  EXPECT_NE(upscaled.find("DiffScope resize mode: Just resize (latent upscale)"), std::string::npos) << upscaled;
  EXPECT_EQ(parse_parameters(upscaled).request.resize_mode, ResizeMode::LatentUpscale);
  const ParsedParameters stretched = parse_parameters("x\nSteps: 20, DiffScope resize mode: stretch");
  EXPECT_EQ(stretched.request.resize_mode, ResizeMode::JustResize);
  ASSERT_EQ(stretched.warnings.size(), 1u);
  EXPECT_NE(stretched.warnings[0].find("DiffScope resize mode"), std::string::npos);
  r.resize_mode = ResizeMode::JustResize;
  const ParsedParameters wild = parse_parameters("x\nSteps: 20, Mask blur: 65");
  EXPECT_EQ(wild.request.mask_blur, 4);
  ASSERT_EQ(wild.warnings.size(), 1u);
  EXPECT_NE(wild.warnings[0].find("Mask blur"), std::string::npos);

  // An inpainting model's runs carry A1111's "Conditional mask weight", txt2img's too.
  EXPECT_EQ(inpainted.find("Conditional mask weight"), std::string::npos);  // not an inpainting model
  ModelInfo inpainting_model = model_for(r);
  inpainting_model.options.inpainting_model = true;
  r.init_image.clear();
  r.mask_image.clear();
  r.inpainting_mask_weight = 0.35;
  const std::string weighted = format_parameters(r, inpainting_model);
  EXPECT_NE(weighted.find("Conditional mask weight: 0.35"), std::string::npos) << weighted;
  EXPECT_DOUBLE_EQ(parse_parameters(weighted).request.inpainting_mask_weight, 0.35);
  const ParsedParameters heavy = parse_parameters("x\nSteps: 20, Conditional mask weight: 1.5");
  EXPECT_DOUBLE_EQ(heavy.request.inpainting_mask_weight, 1.0);
  ASSERT_EQ(heavy.warnings.size(), 1u);
  EXPECT_NE(heavy.warnings[0].find("Conditional mask weight"), std::string::npos);
}

TEST(ParametersParse, RoundTripsThePromptReadAsWritten) {
  Request r = tricky_request();
  ModelInfo builtin = model_for(r);
  builtin.text.nearest_caption = true;
  EXPECT_EQ(format_parameters(r, builtin).find("as written"), std::string::npos);  // the default: not written
  r.prompt_as_written = true;
  const std::string text = format_parameters(r, builtin);
  EXPECT_NE(text.find("DiffScope prompt as written: True"), std::string::npos) << text;
  const ParsedParameters parsed = parse_parameters(text);
  EXPECT_TRUE(parsed.warnings.empty());
  EXPECT_TRUE(parsed.request.prompt_as_written);
  // A model that always reads the prompt as written does not record it.
  EXPECT_EQ(format_parameters(r, model_for(r)).find("as written"), std::string::npos);
  EXPECT_FALSE(parse_parameters(text.substr(0, text.find(", DiffScope prompt"))).request.prompt_as_written);
  const ParsedParameters odd = parse_parameters("x\nSteps: 4, DiffScope prompt as written: maybe");
  EXPECT_EQ(odd.warnings.size(), 1u);
  EXPECT_FALSE(odd.request.prompt_as_written);
}

// From the hostile-file corpus: a stranger's PNG may claim anything.
TEST(ParametersParse, AbsurdValuesAreClampedOrDroppedWithAWarning) {
  const ParsedParameters parsed = parse_parameters(
      "x\nSteps: 5000, Sampler: Euler, CFG scale: nan, Eta: 1e300, Seed: -42, Size: 100000x0, "
      "DiffScope original size: 999999x64, DiffScope checkpoint: ../../etc/shadow");
  const Request& r = parsed.request;
  EXPECT_EQ(r.steps, 1000);
  EXPECT_FALSE(r.cfg_scale.has_value());
  EXPECT_EQ(r.eta, 10.0);
  EXPECT_EQ(r.seed, 0);
  EXPECT_EQ(r.width, 4096);
  EXPECT_EQ(r.height, 1);
  EXPECT_EQ(r.size_conditioning.original_width, 16384);
  std::string all;
  for (const std::string& w : parsed.warnings) all += w + "\n";
  for (const char* expected : {"Steps 5000 is outside 1–1000: set to 1000", "CFG scale nan is not a number",
                               "Eta 1e+300 is outside 0–10: set to 10", "Seed -42 is negative",
                               "Width 100000 is outside 1–4096", "Height 0 is outside 1–4096",
                               "\"../../etc/shadow\" (with \"..\"): check it"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << " in:\n" << all;
  }
  // Values too large to read at all are refused by name, the default kept.
  const ParsedParameters overflow = parse_parameters("x\nSteps: 2147483648, Seed: 99999999999999999999999");
  EXPECT_EQ(overflow.request.steps, Request{}.steps);
  ASSERT_EQ(overflow.warnings.size(), 2u);
  EXPECT_EQ(overflow.warnings[0], "could not read Steps: \"2147483648\"");
}
