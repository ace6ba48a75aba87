#pragma once
// Everything one model needs for a generation: text → conditioning, the
// denoising network, its noise schedule, and latent → image decoding. The
// oracle, the built-in model and Stable Diffusion are each one bundle. What a
// bundle is and can do is asked through info(), never guessed from its type.
#include <ATen/core/Tensor.h>

#include <optional>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/models/adapters/embedding_folders.h"
#include "core/models/adapters/embedding_use.h"
#include "core/models/adapters/lora_use.h"
#include "core/models/model_info.h"
#include "core/models/size_conditioning.h"
#include "core/sampling/network.h"
#include "core/schedule/noise_schedule.h"
#include "core/text/prompt_words.h"

namespace diffscope {

// A training image the model's posterior weighs at a step (the oracle).
struct WeighedImage {
  int index = 0;
  double weight = 0;
  std::string caption;
};

struct PosteriorView {
  std::vector<WeighedImage> top;  // the images weighed most, heaviest first
  // −Σ w·ln w over all the training images, in nats: 0 when one image has all
  // the weight (the model has "decided"), ln N when all N weigh the same.
  double entropy = 0;
};

class ModelBundle {
 public:
  virtual ~ModelBundle() = default;
  // What this loaded model is and can do (with what only loading tells).
  virtual ModelInfo info() const = 0;
  std::string name() const { return info().name; }
  virtual const NoiseSchedule& schedule() const = 0;
  virtual Network& network() = 0;
  // Conditioning for a prompt (batch 1); may throw Error for prompts it cannot use.
  virtual at::Tensor encode_prompt(const std::string& prompt) = 0;
  // The negative prompt's conditioning; the same as encode_prompt except
  // where a model treats it otherwise (SDXL: an empty one is all zeros, as sgm
  // and A1111 do it).
  virtual at::Tensor encode_negative_prompt(const std::string& prompt) { return encode_prompt(prompt); }
  // What the user should know about a prompt before it runs: words the model
  // does not know, text it will not read.
  virtual std::vector<std::string> prompt_warnings(const std::string& prompt) const { return {}; }
  // Where info().options.word_maps: the prompt's words and their token
  // positions in encode_prompt's conditioning (the start token's entry
  // first). Empty elsewhere.
  virtual std::vector<PromptWord> prompt_words(const std::string& prompt) const { return {}; }
  // The shape of one latent (C, H, W) for an image of the given size.
  virtual std::vector<int64_t> latent_shape(int width, int height) const = 0;
  // Latents (B, C, h, w) → images (B, 3, H, W) in [−1, 1].
  virtual at::Tensor decode(const at::Tensor& latents) = 0;
  // A per-step preview of latents in [−1, 1], maybe smaller than the image;
  // info().preview says how it relates to decode().
  virtual at::Tensor preview(const at::Tensor& latents) { return decode(latents); }
  // Images (B, 3, H, W) in [−1, 1] → latents (img2img); Error where the model has no encoder.
  virtual at::Tensor encode_image(const at::Tensor& images);
  // Conditioning lengthened to `tokens` positions, so that a prompt and a
  // negative prompt of different lengths run in one batch.
  virtual at::Tensor pad_conditioning(const at::Tensor& conditioning, int64_t tokens);
  // A1111's "Clip skip", where info().text.clip_skip; ignored elsewhere.
  virtual void set_clip_skip(int clip_skip) {}
  // Where info().text.nearest_caption: whether the prompt is read as written
  // (true) or as its nearest training caption (false, the default).
  virtual void set_prompt_as_written(bool as_written) {}
  // Where info().options.lora: merges these LoRAs into the weights in place
  // of those merged before (none: the checkpoint's own weights, bit for bit).
  // Error naming a LoRA that does not fit; the model then holds the
  // checkpoint's own weights (never a half-merged set).
  virtual void set_loras(const std::vector<LoraUse>& loras, const CancelToken& cancel);
  // Where info().options.embeddings: the textual inversions prompts may name
  // from now on (read when a prompt first does); forgets which were used.
  virtual void set_embeddings(const EmbeddingScan& scan) {}
  // The embeddings prompts named since set_embeddings (for "TI hashes").
  virtual std::vector<UsedEmbedding> embeddings_used() const { return {}; }
  // SDXL's size and crop conditioning, where info().options.size_conditioning.
  virtual void set_size_conditioning(const SizeConditioning& sizes) {}
  // Where info().options.inpainting_model: the (1, 5, h, w) mask and
  // masked-image latent its network reads beside x_t from now on
  // (core/pipeline/image_conditioning.h makes it); ignored elsewhere.
  virtual void set_image_conditioning(const at::Tensor& image) {}
  // Where info().weighs_training_images: its posterior over the training
  // images for x_t (batch 1) at t — the `count` it weighs most and the
  // entropy of all the weights. nullopt elsewhere.
  virtual std::optional<PosteriorView> posterior(const at::Tensor& x_t, double t, const at::Tensor& context,
                                                 int count) {
    return std::nullopt;
  }
  // One training image (3, H, W) in [−1, 1]; Error where there are none.
  virtual at::Tensor training_image(int index);
};

}  // namespace diffscope
