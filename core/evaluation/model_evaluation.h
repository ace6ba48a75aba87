#pragma once
// How good the built-in model is, measured on its own data set (the numbers
// in the model card):
//  - autoencoder PSNR on the held-out images (never trained on);
//  - prompt fidelity: for prompts naming emoji seen in training, how often an
//    image of the prompted emoji (either style) is among the 5 dataset images
//    nearest to the generated one in pixel space;
//  - held-out style: prompted with an emoji's name and its held-out style, how
//    often that very held-out image is among the 5 nearest;
//  - optionally, "same picture": each prompt-fidelity image against the one
//    another sampling (e.g. 30 Euler steps) makes of the same prompt and seed.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/data/emoji_pairs.h"
#include "core/models/ldm/ldm_bundle.h"
#include "core/pipeline/request.h"

namespace diffscope::evaluation {

struct EvaluationOptions {
  int fidelity_prompts = 200;
  int top_k = 5;
  Request sampling;  // sampler, steps, CFG (prompt, seed and size are set per prompt)
  // When set, the prompt-fidelity images are also made this way and compared
  // (PSNR) with `sampling`'s: does a fast setting draw the same picture?
  std::optional<Request> reference;
  // When set ("de", "zh", …): prompt fidelity asks for each emoji by its CLDR
  // name in this language (from the data set; the English name where it has
  // none), as a speaker of it would.
  std::string prompt_language;
};

struct PromptOutcome {
  std::string prompt;
  std::string key;             // the prompted emoji
  bool hit = false;            // an image of it among the top k
  bool style_hit = false;      // held-out runs: the held-out image itself among the top k
  double reference_psnr = 0;   // against the reference sampling's image (dB), when one was asked for
  bool reference_hit = false;  // the reference sampling's image was a hit
};

struct EvaluationReport {
  int held_out_images = 0;
  double autoencoder_psnr = 0;  // mean over held-out images, dB (8-bit RGB)
  double autoencoder_psnr_min = 0;
  double fidelity = 0;            // fraction of hits
  double held_out_style = 0;      // fraction of style hits
  double held_out_any_style = 0;  // fraction where either style's image is among the top k
  // With a reference sampling: its prompt fidelity, and the median and mean
  // PSNR of the images against its images.
  double reference_fidelity = 0, reference_psnr_median = 0, reference_psnr_mean = 0;
  int prompts_in_language = 0;  // with prompt_language: prompts that had a name in it
  std::vector<PromptOutcome> fidelity_runs, held_out_runs;
  double seconds = 0;
};

// One image (H, W, 3) uint8 of `prompt` at `seed`, sampled as `sampling` says,
// at the model's own size.
at::Tensor generate_image(LdmBundle& bundle, const Request& sampling, const std::string& prompt, int64_t seed);

// PSNR (dB) between two uint8 images of the same shape; 99 for identical ones.
double psnr(const at::Tensor& a, const at::Tensor& b);

// Nearest dataset images in squared pixel distance (‖a‖² − 2a·b + ‖b‖²: one
// matrix-vector product per query instead of an N-image temporary).
class NearestImages {
 public:
  explicit NearestImages(const at::Tensor& dataset);  // (N, H, W, 3) uint8
  // Indices of the k images nearest to `image` (H, W, 3), nearest first.
  std::vector<int64_t> nearest(const at::Tensor& image, int k) const;

 private:
  at::Tensor rows_, squared_norms_;
};

// The emoji (dataset indices, one per emoji key, trained style) prompted for
// fidelity: `count` of them spread evenly over the sorted trained keys.
std::vector<int64_t> fidelity_picks(const EmojiPairs& pairs, int count);

using EvaluationProgress = std::function<void(const std::string& what, int done, int total)>;

EvaluationReport evaluate_model(LdmBundle& bundle, const EmojiPairs& pairs, const EvaluationOptions& options,
                                const EvaluationProgress& progress = {});

// The report as JSON text (the model card quotes it).
std::string report_json(const EvaluationReport& report, const EvaluationOptions& options);

}  // namespace diffscope::evaluation
