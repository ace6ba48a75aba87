#include "core/evaluation/model_evaluation.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/data/emoji_set.h"
#include "core/data/pair_captions.h"
#include "core/pipeline/pipeline.h"

namespace diffscope::evaluation {
at::Tensor generate_image(LdmBundle& bundle, const Request& sampling, const std::string& prompt, int64_t seed) {
  Request request = sampling;
  request.prompt = prompt;
  request.seed = seed;
  request.batch = 1;
  request.width = request.height = static_cast<int>(bundle.model().config.image_size);
  return Pipeline::run_on(bundle, bundle.model().device(), request).images[0];
}

double psnr(const at::Tensor& a, const at::Tensor& b) {
  if (a.sizes() != b.sizes()) throw Error("psnr: the images differ in shape");
  const double mse = (a.to(at::kDouble) - b.to(at::kDouble)).pow(2).mean().item<double>();
  return mse <= 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

NearestImages::NearestImages(const at::Tensor& dataset)
    : rows_(dataset.reshape({dataset.size(0), -1}).to(at::kFloat)), squared_norms_(rows_.pow(2).sum(1)) {}

std::vector<int64_t> NearestImages::nearest(const at::Tensor& image, int k) const {
  const at::Tensor query = image.reshape({-1}).to(at::kFloat);
  const at::Tensor distances = squared_norms_ - 2.0 * rows_.mv(query) + query.pow(2).sum();
  const at::Tensor order = std::get<1>(distances.topk(std::min<int64_t>(k, rows_.size(0)), 0, /*largest=*/false));
  std::vector<int64_t> nearest(static_cast<size_t>(order.size(0)));
  for (size_t i = 0; i < nearest.size(); ++i) nearest[i] = order[static_cast<int64_t>(i)].item<int64_t>();
  return nearest;
}

std::vector<int64_t> fidelity_picks(const EmojiPairs& pairs, int count) {
  std::map<std::string, int64_t> first_trained;  // key → a trained image of it (sorted by key)
  for (int64_t i = 0; i < pairs.size(); ++i) {
    if (!pairs.held_out[static_cast<size_t>(i)]) first_trained.emplace(pairs.keys[static_cast<size_t>(i)], i);
  }
  std::vector<int64_t> all;
  for (const auto& [key, index] : first_trained) all.push_back(index);
  std::vector<int64_t> picks;
  const size_t n = std::min<size_t>(static_cast<size_t>(std::max(count, 0)), all.size());
  for (size_t i = 0; i < n; ++i) picks.push_back(all[i * all.size() / n]);
  return picks;
}

namespace {

// The reference sampling's fidelity and PSNR figures, from the runs.
void summarise_reference(EvaluationReport& report) {
  std::vector<double> values;
  int hits = 0;
  for (const auto& run : report.fidelity_runs) {
    values.push_back(run.reference_psnr);
    hits += run.reference_hit;
  }
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  report.reference_psnr_median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  report.reference_psnr_mean = std::accumulate(values.begin(), values.end(), 0.0) / double(n);
  report.reference_fidelity = double(hits) / double(n);
}

// Emoji i's name in `language` (its CLDR name), else its English caption name.
std::string fidelity_prompt(const EmojiPairs& pairs, size_t i, const std::string& language, bool* in_language) {
  *in_language = false;
  if (language.empty() || i >= pairs.phrasings.size()) return pairs.names[i];
  for (const Phrasing& phrasing : pairs.phrasings[i]) {
    if (phrasing.language == language && !phrasing.name.empty()) {
      *in_language = true;
      return phrasing.name;
    }
  }
  return pairs.names[i];
}

}  // namespace

EvaluationReport evaluate_model(LdmBundle& bundle, const EmojiPairs& pairs, const EvaluationOptions& options,
                                const EvaluationProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  EvaluationReport report;
  std::vector<int64_t> held_out;
  for (int64_t i = 0; i < pairs.size(); ++i) {
    if (pairs.held_out[static_cast<size_t>(i)]) held_out.push_back(i);
  }
  report.held_out_images = static_cast<int>(held_out.size());
  const c10::Device device = bundle.model().device();

  // 1. Autoencoder round trip of every held-out image (posterior mean, as generation decodes).
  {
    torch::NoGradGuard no_grad;
    double sum = 0, worst = 1e9;
    for (size_t begin = 0; begin < held_out.size(); begin += 64) {
      const auto end = std::min(held_out.size(), begin + 64);
      const at::Tensor chosen = at::tensor(
          std::vector<int64_t>(held_out.begin() + static_cast<long>(begin), held_out.begin() + static_cast<long>(end)));
      const at::Tensor originals = pairs.images.index_select(0, chosen);
      const at::Tensor latents = bundle.model().encode_images(images_to_model_range(originals).to(device));
      const at::Tensor decoded = model_range_to_images(bundle.decode(latents).to(at::kCPU));
      for (int64_t i = 0; i < originals.size(0); ++i) {
        const double value = psnr(originals[i], decoded[i]);
        sum += value;
        worst = std::min(worst, value);
      }
    }
    report.autoencoder_psnr = held_out.empty() ? 0 : sum / double(held_out.size());
    report.autoencoder_psnr_min = held_out.empty() ? 0 : worst;
  }

  const NearestImages neighbours(pairs.images);
  auto key_among = [&](const std::vector<int64_t>& nearest, const std::string& key) {
    return std::any_of(nearest.begin(), nearest.end(),
                       [&](int64_t i) { return pairs.keys[static_cast<size_t>(i)] == key; });
  };

  // 2. Prompt fidelity: the bare name of an emoji seen in training.
  const std::vector<int64_t> picks = fidelity_picks(pairs, options.fidelity_prompts);
  const int total = static_cast<int>(picks.size() + held_out.size());
  int done = 0, hits = 0;
  for (size_t p = 0; p < picks.size(); ++p) {
    const auto i = static_cast<size_t>(picks[p]);
    bool in_language = false;
    PromptOutcome outcome{fidelity_prompt(pairs, i, options.prompt_language, &in_language), pairs.keys[i]};
    report.prompts_in_language += in_language;
    const at::Tensor image = generate_image(bundle, options.sampling, outcome.prompt, static_cast<int64_t>(p));
    outcome.hit = key_among(neighbours.nearest(image, options.top_k), outcome.key);
    hits += outcome.hit;
    if (options.reference) {
      const at::Tensor reference = generate_image(bundle, *options.reference, outcome.prompt, int64_t(p));
      outcome.reference_psnr = psnr(image, reference);
      outcome.reference_hit = key_among(neighbours.nearest(reference, options.top_k), outcome.key);
    }
    report.fidelity_runs.push_back(outcome);
    if (progress) progress("prompt fidelity", ++done, total);
  }
  report.fidelity = picks.empty() ? 0 : double(hits) / double(picks.size());
  if (options.reference && !picks.empty()) summarise_reference(report);

  // 3. Held-out styles: the name and the style it was never trained in.
  int style_hits = 0, any_hits = 0;
  for (size_t h = 0; h < held_out.size(); ++h) {
    const int64_t index = held_out[h];
    PromptOutcome outcome{styled_prompt(pairs, index), pairs.keys[static_cast<size_t>(index)]};
    const at::Tensor image = generate_image(bundle, options.sampling, outcome.prompt, static_cast<int64_t>(10000 + h));
    const auto nearest = neighbours.nearest(image, options.top_k);
    outcome.hit = key_among(nearest, outcome.key);
    outcome.style_hit = std::find(nearest.begin(), nearest.end(), index) != nearest.end();
    style_hits += outcome.style_hit;
    any_hits += outcome.hit;
    report.held_out_runs.push_back(outcome);
    if (progress) progress("held-out styles", ++done, total);
  }
  report.held_out_style = held_out.empty() ? 0 : double(style_hits) / double(held_out.size());
  report.held_out_any_style = held_out.empty() ? 0 : double(any_hits) / double(held_out.size());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string report_json(const EvaluationReport& report, const EvaluationOptions& options) {
  nlohmann::json runs_fidelity = nlohmann::json::array(), runs_held_out = nlohmann::json::array();
  for (const auto& r : report.fidelity_runs) {
    nlohmann::json run = {{"prompt", r.prompt}, {"hit", r.hit}};
    if (options.reference) {
      run["reference_hit"] = r.reference_hit;
      run["reference_psnr_db"] = r.reference_psnr;
    }
    runs_fidelity.push_back(run);
  }
  for (const auto& r : report.held_out_runs) {
    runs_held_out.push_back({{"prompt", r.prompt}, {"emoji_hit", r.hit}, {"style_hit", r.style_hit}});
  }
  nlohmann::json j = {
      {"sampling",
       {{"sampler", options.sampling.sampler},
        {"steps", options.sampling.steps},
        {"cfg_scale", options.sampling.cfg_scale.value_or(-1)},
        {"prompt_as_written", options.sampling.prompt_as_written}}},
      {"top_k", options.top_k},
      {"autoencoder_psnr_held_out_db", report.autoencoder_psnr},
      {"autoencoder_psnr_held_out_min_db", report.autoencoder_psnr_min},
      {"held_out_images", report.held_out_images},
      {"prompt_fidelity", report.fidelity},
      {"prompt_fidelity_prompts", report.fidelity_runs.size()},
      {"held_out_style", report.held_out_style},
      {"held_out_emoji_either_style", report.held_out_any_style},
      {"seconds", report.seconds},
      {"fidelity_runs", runs_fidelity},
      {"held_out_runs", runs_held_out},
  };
  if (options.reference) {
    j["reference"] = {{"sampler", options.reference->sampler},
                      {"steps", options.reference->steps},
                      {"prompt_fidelity", report.reference_fidelity},
                      {"psnr_median_db", report.reference_psnr_median},
                      {"psnr_mean_db", report.reference_psnr_mean}};
  }
  if (!options.prompt_language.empty()) {
    j["prompt_language"] = {{"language", options.prompt_language}, {"prompts_in_it", report.prompts_in_language}};
  }
  return j.dump(1) + "\n";
}

}  // namespace diffscope::evaluation
