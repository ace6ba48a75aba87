// NaN and Inf stop a run with a message naming the part, the step and what to
// try — never a black image. Tiny SD checkpoints poisoned in the text encoder,
// the U-Net and the VAE decoder, run through the real pipeline: with NaN in
// the file (refused on loading, the tensor named) and with finite weights so
// large (3e38) that the part overflows to Inf while it runs.
#include "core/pipeline/numeric_faults.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/common/errors.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

TEST(NumericFaults, FiniteTensorsPassAndOthersAreNamed) {
  EXPECT_TRUE(all_finite(at::zeros({2, 3})));
  EXPECT_TRUE(all_finite(at::empty({0})));
  EXPECT_TRUE(all_finite(at::full({2}, 7, at::kLong)));
  at::Tensor x = at::zeros({1, 4, 8, 8});
  x[0][1][2][3] = std::nan("");
  EXPECT_FALSE(all_finite(x));
  x[0][1][2][3] = INFINITY;
  EXPECT_FALSE(all_finite(x));
  EXPECT_FALSE(all_finite(x.to(at::kBFloat16)));

  StepEvent event;
  event.index = 6;
  event.total = 20;
  event.sigma = 1.25;
  event.x0 = x;
  try {
    check_step(event, "U-Net");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the U-Net produced NaN or infinite values at step 7 of 20 (σ = 1.25)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(check_text_conditioning(x, "prompt"), Error);
  EXPECT_THROW(check_decoded(x), Error);
  EXPECT_NO_THROW(check_decoded(at::zeros({1, 3, 8, 8})));
}

class PoisonedCheckpoint : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    if (support::clip_vocabulary().empty()) {
      why_ = "../shared/data/clip is not here (the CLIP vocabulary)";
      return;
    }
    const std::pair<const char*, const char*> poisons[] = {
        {"healthy", ""},
        {"nan-unet", "--nan model.diffusion_model.out.2.bias"},
        {"text", "--huge cond_stage_model.transformer.text_model.final_layer_norm.weight"},
        {"unet", "--huge model.diffusion_model.out.2.bias"},
        {"vae", "--huge first_stage_model.decoder.conv_out.weight"},
    };
    for (const auto& [name, poison] : poisons) {
      const std::string args = std::string("--family sd1 ") + poison;
      if (!support::make_tiny_sd(*dir_ / (std::string(name) + ".safetensors"), args, &why_)) return;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }

  // The run's error message, or "" when it made an image (which is then checked finite).
  static std::string run(const std::string& name, int* steps_seen = nullptr) {
    Request request;
    request.model = (*dir_ / (name + ".safetensors")).string();
    request.tokenizer = support::clip_vocabulary().string();
    request.prompt = "a lovely cat";
    request.width = request.height = 32;
    request.steps = 3;
    request.cfg_scale = 5.0;
    request.precision = Precision::Float32;
    RunHooks hooks;
    int seen = 0;
    hooks.on_step = [&](const StepEvent& event) {
      EXPECT_TRUE(all_finite(event.x0)) << "a NaN step reached the view";
      ++seen;
    };
    Pipeline pipeline;
    std::string message;
    try {
      pipeline.run(request, hooks);
    } catch (const Error& e) {
      message = e.what();
    }
    if (steps_seen) *steps_seen = seen;
    return message;
  }

  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* PoisonedCheckpoint::dir_ = nullptr;
std::string PoisonedCheckpoint::why_;

TEST_F(PoisonedCheckpoint, AHealthyCheckpointRunsThrough) {
  int steps = 0;
  EXPECT_EQ(run("healthy", &steps), "");
  EXPECT_EQ(steps, 3);
}

TEST_F(PoisonedCheckpoint, NanInTheFileIsRefusedOnLoadingWithTheTensorNamed) {
  int steps = -1;
  const std::string message = run("nan-unet", &steps);
  EXPECT_NE(message.find("tensor 'model.diffusion_model.out.2.bias' holds NaN or infinite values"), std::string::npos)
      << message;
  EXPECT_EQ(steps, 0);
}

TEST_F(PoisonedCheckpoint, TheTextEncoderIsNamed) {
  const std::string message = run("text");
  EXPECT_NE(message.find("the text encoder produced NaN or infinite values for the prompt"), std::string::npos)
      << message;
  EXPECT_NE(message.find("try float32"), std::string::npos) << message;
}

TEST_F(PoisonedCheckpoint, TheUNetIsNamedWithTheStepAndNoStepIsShown) {
  int steps = -1;
  const std::string message = run("unet", &steps);
  EXPECT_NE(message.find("the U-Net produced NaN or infinite values at step 1 of 3"), std::string::npos) << message;
  EXPECT_EQ(steps, 0);
}

TEST_F(PoisonedCheckpoint, TheVaeIsNamedWithAFixedVaeAsTheHint) {
  int steps = 0;
  const std::string message = run("vae", &steps);
  EXPECT_NE(message.find("the VAE decoder produced NaN or infinite values"), std::string::npos) << message;
  EXPECT_NE(message.find("--vae"), std::string::npos) << message;
  EXPECT_EQ(steps, 3);  // the chain itself was sound
}
