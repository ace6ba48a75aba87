// bench_ldm_run [model.json model.safetensors] [--threads N]
// [--precision float32|bfloat16] [--unet c0,c1,c2] [--decoder c0,c1,blocks]: how fast the
// built-in model generates on this machine. Prints the median of repeated
// U-Net calls (batch 2 = one CFG step), preview decodes and whole 30-step
// Euler runs with CFG that decode every step's x_t and x̂0 previews, as the
// app does (median, fastest and slowest of 15), alternating with the same
// runs recording word heat maps; with a model, also its load and one
// prompt's reading (name aliases and the nearest caption included). Without a model it measures
// randomly initialised default weights.
#include <ATen/ATen.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/analysis/word_maps.h"
#include "core/common/blas_kernels.h"
#include "core/common/runtime.h"
#include "core/models/ldm/ldm_bundle.h"
#include "core/pipeline/pipeline.h"

namespace {

// Sorted times of `repeats` calls after one warm-up call, in ms.
std::vector<double> times_ms(int repeats, const std::function<void()>& work) {
  work();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times;
}

double median_ms(int repeats, const std::function<void()>& work) {
  const auto times = times_ms(repeats, work);
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  diffscope::ensure_fast_blas_kernels(argv);
  diffscope::RuntimeOptions runtime;
  std::vector<std::string> files;
  diffscope::ldm::LdmConfig config;  // for random weights
  auto three = [](const char* text) {
    std::vector<int64_t> values(3);
    std::sscanf(text, "%ld,%ld,%ld", &values[0], &values[1], &values[2]);
    return values;
  };
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      runtime.threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--precision") == 0 && i + 1 < argc) {
      setenv("DIFFSCOPE_PRECISION", argv[++i], 1);
    } else if (std::strcmp(argv[i], "--unet") == 0 && i + 1 < argc) {
      config.unet.channels = three(argv[++i]);
    } else if (std::strcmp(argv[i], "--decoder") == 0 && i + 1 < argc) {
      auto values = three(argv[++i]);
      config.autoencoder.decoder_channels = {values[0], values[1]};
      config.autoencoder.decoder_blocks = values[2];
    } else {
      files.emplace_back(argv[i]);
    }
  }
  diffscope::configure_runtime(runtime);
  using namespace diffscope;
  std::shared_ptr<ldm::LdmModel> model;
  double load = 0, config_read = 0, prompt_read = 0;
  if (files.size() == 2) {
    // What the app's model list reads on the UI thread (describe(), cached per file).
    config_read = median_ms(5, [&] { ldm::load_config(files[0], ldm::NameAliasesFile::Skip); });
    // Config (name aliases included), tokenizer and weights, as the app loads them.
    load = median_ms(5, [&] { ldm::LdmModel::load(files[0], files[1]); });
    model = std::make_shared<ldm::LdmModel>(ldm::LdmModel::load(files[0], files[1]));
    prompt_read = median_ms(50, [&] { model->tokenizer.encode("eine gelbe Banane, 一根黄色的香蕉, grinning face"); });
  } else {
    config.text.vocabulary = ldm::build_vocabulary({"grinning face smile", "red apple fruit"});
    model = std::make_shared<ldm::LdmModel>(config);
  }
  LdmBundle bundle(model, c10::Device(c10::kCPU));
  bundle.set_compute_type(resolve_precision(Precision::Auto, bundle.info(), c10::Device(c10::kCPU)));
  c10::InferenceMode inference;
  const at::Tensor context = at::cat({bundle.encode_prompt("grinning face"), bundle.encode_prompt("")});
  const at::Tensor latents = at::randn({2, model->config.latent_channels, 16, 16});
  const double unet = median_ms(50, [&] { bundle.network().forward(latents, 500.0, context, {}); });
  const double decode = median_ms(50, [&] { bundle.decode(latents.slice(0, 0, 1)); });
  const double decode_pair = median_ms(50, [&] { bundle.preview(latents); });

  Request request;
  request.prompt = "grinning face";
  request.sampler = SamplerId::Euler;
  request.steps = 30;
  request.cfg_scale = model->config.default_cfg_scale;
  // This VM's speed drifts by up to ~40 % over minutes (other guests on the
  // host), so the whole run is repeated and its spread printed; runs with
  // word heat maps alternate with runs without, so both see the same drift.
  std::vector<double> plain, mapped;
  for (bool maps : {false, true}) {
    request.word_maps = maps;
    Pipeline::run_on(bundle, c10::Device(c10::kCPU), request, {});  // warm-up
  }
  for (int i = 0; i < 15; ++i) {
    for (bool maps : {false, true}) {
      request.word_maps = maps;
      WordMapHistory history;
      const auto start = std::chrono::steady_clock::now();
      Pipeline::run_on(bundle, c10::Device(c10::kCPU), request, [&](const StepEvent& event) {
        bundle.preview(at::cat({event.x_t, event.x0}));
        history.add(event);
      });
      (maps ? mapped : plain)
          .push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
  }
  std::sort(plain.begin(), plain.end());
  std::sort(mapped.begin(), mapped.end());
  const std::vector<double>& runs = plain;
  std::printf("model %s (%s), %s, %s, OpenBLAS core %s\n", model->config.name.c_str(),
              files.size() == 2 ? files[1].c_str() : "random weights", describe_device(c10::Device(c10::kCPU)).c_str(),
              bundle.compute_type() == at::kBFloat16 ? "bfloat16" : "float32", blas_core_name());
  if (load > 0) {
    std::printf("model load (config, %zu name aliases, %zu captions' words, weights): %.1f ms, the config alone "
                "%.1f ms; a prompt read: %.2f µs\n",
                model->config.text.aliases.size(), model->config.text.captions.size(), load, config_read,
                1000 * prompt_read);
  }
  std::printf("U-Net call, batch 2 (one CFG step): %.2f ms\n", unet);
  std::printf("preview decode, batch 1:            %.2f ms\n", decode);
  std::printf("preview decode, batch 2 (x_t, x̂0):  %.2f ms\n", decode_pair);
  std::printf(
      "30 Euler steps, CFG %.1f, every step's x_t and x̂0 decoded, final decode: %.1f ms median of %zu "
      "(fastest %.1f, slowest %.1f)\n",
      *request.cfg_scale, runs[runs.size() / 2], runs.size(), runs.front(), runs.back());
  std::printf("… recording word heat maps: %.1f ms median (fastest %.1f, slowest %.1f): %+.1f %%\n",
              mapped[mapped.size() / 2], mapped.front(), mapped.back(),
              100.0 * (mapped[mapped.size() / 2] / runs[runs.size() / 2] - 1.0));
  return 0;
}
