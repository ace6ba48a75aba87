#include "core/pipeline/parameters_text.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>
#include <vector>

#include "core/pipeline/pipeline.h"
#include "core/schedule/noise_schedule.h"

namespace diffscope {
namespace {

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

std::string quote_parameter_value(const std::string& value) {
  if (value.find_first_of(",:\n") == std::string::npos) return value;
  return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_parameters(const Request& request, const ModelInfo& model, int index,
                              const std::string& model_hash) {
  const SamplerInfo& sampler = sampler_info(request.sampler);
  const Spacing spacing = resolved_spacing(request, model);
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Steps", std::to_string(request.steps)},
      {"Sampler", sampler.a1111_name},
      {"Schedule type", spacing_label(spacing)},
      {"CFG scale", number(request.cfg_scale.value_or(1.0))},
      {"Seed", std::to_string(batch_seeds(request.seed, index + 1, request.variation).back())},
      {"Size", std::to_string(request.width) + "x" + std::to_string(request.height)},
  };
  // As A1111 writes them: with a variation, every image has the seed and its
  // own variation seed.
  const VariationSeed& variation = request.variation;
  if (variation.mixes()) {
    fields.emplace_back("Variation seed", std::to_string(variation.seed + index));
    fields.emplace_back("Variation seed strength", number(variation.strength));
  }
  if (variation.resizes()) {
    fields.emplace_back("Seed resize from", std::to_string(variation.resize_from_width) + "x" +
                                                std::to_string(variation.resize_from_height));
  }
  // A model opened from a file is named by its file's stem, as A1111 does;
  // DiffScope keeps the path to find it again.
  const bool from_file = model.kind == ModelKind::StableDiffusion;
  if (!model_hash.empty()) fields.emplace_back("Model hash", model_hash);
  fields.emplace_back("Model", from_file ? model.name : request.model);
  if (model.options.image_to_image && !request.init_image.empty()) {
    fields.emplace_back("Denoising strength", number(request.strength));
    // A1111 does not record its resize mode; a restored run needs it when the start image has another size.
    if (request.resize_mode != ResizeMode::JustResize) {
      fields.emplace_back("DiffScope resize mode", resize_mode_name(request.resize_mode));
    }
    if (!request.mask_image.empty()) fields.emplace_back("Mask blur", std::to_string(request.mask_blur));
    // A1111 names the masked content only when it is not the original.
    if (!request.mask_image.empty() && request.masked_content != MaskedContent::Original) {
      fields.emplace_back("Masked content", masked_content_name(request.masked_content));
    }
    if (!request.mask_image.empty() && request.inpaint_resample > 1) {
      fields.emplace_back("DiffScope inpaint resample", std::to_string(request.inpaint_resample));
    }
  }
  // A1111 writes it for every run of an inpainting model, txt2img too.
  if (model.options.inpainting_model) {
    fields.emplace_back("Conditional mask weight", number(request.inpainting_mask_weight));
  }
  if (model.text.clip_skip && request.clip_skip != 1)
    fields.emplace_back("Clip skip", std::to_string(request.clip_skip));
  if (model.text.nearest_caption && request.prompt_as_written)
    fields.emplace_back("DiffScope prompt as written", "True");
  if (model.options.vae_override && !request.vae.empty()) {
    fields.emplace_back("VAE", std::filesystem::path(request.vae).filename().string());
  }
  if (!model.loras.empty()) {  // A1111's "name: short hash, …"
    std::string hashes;
    for (const AppliedLora& lora : model.loras)
      hashes += (hashes.empty() ? "" : ", ") + lora.use.name + ": " + lora.hash;
    fields.emplace_back("Lora hashes", hashes);
  }
  if (!model.embeddings.empty()) {  // A1111's "name: short hash, …"
    std::string hashes;
    for (const UsedEmbedding& used : model.embeddings)
      hashes += (hashes.empty() ? "" : ", ") + used.name + ": " + used.hash;
    fields.emplace_back("TI hashes", hashes);
  }
  if (from_file) fields.emplace_back("DiffScope checkpoint", request.model);
  if (model.options.refiner && !request.refiner.empty()) {
    fields.emplace_back("Refiner", std::filesystem::path(request.refiner).stem().string());
    fields.emplace_back("Refiner switch at", number(request.refiner_switch_at));
    if (request.refiner_switch_by_steps) fields.emplace_back("Refiner switch by sampling steps", "True");
    fields.emplace_back("DiffScope refiner", request.refiner);
  }
  const SizeConditioning& sizes = request.size_conditioning;
  if (model.options.size_conditioning && !sizes.is_default()) {
    const auto values = sizes.values(request.height, request.width);  // heights first
    fields.emplace_back("DiffScope original size", std::to_string(values[1]) + "x" + std::to_string(values[0]));
    fields.emplace_back("DiffScope crop", std::to_string(values[3]) + "x" + std::to_string(values[2]));
    fields.emplace_back("DiffScope target size", std::to_string(values[5]) + "x" + std::to_string(values[4]));
  }
  if (model.options.vae_override && !request.vae.empty()) fields.emplace_back("DiffScope VAE", request.vae);
  if (model.options.prediction_override && request.prediction) {
    fields.emplace_back("DiffScope prediction", prediction_name(*request.prediction));
  }
  if (request.precision != Precision::Auto)
    fields.emplace_back("DiffScope precision", precision_name(request.precision));
  // A1111's key for a zero-terminal-SNR schedule (its "Noise schedule" setting).
  if (is_zero_terminal_snr(request.schedule)) fields.emplace_back("Noise Schedule", "Zero Terminal SNR");
  // DiffScope's own keys: whatever else regenerating the image needs.
  fields.emplace_back("DiffScope spacing", spacing_name(spacing));
  fields.emplace_back("DiffScope noise schedule", request.schedule);
  if (sampler.uses_eta) fields.emplace_back("Eta", number(request.eta.value_or(sampler.default_eta)));
  if (sampler.id == SamplerId::Ddpm) {
    fields.emplace_back("DDPM variance", request.ddpm_variance == DdpmVariance::Beta ? "beta" : "beta-tilde");
  }
  if (request.branch && request.branch->parent) {
    // The parent's own parameters (recursively, for a branch of a branch) and
    // the step the branch starts at, as shown (1-based): enough to rebuild both.
    const nlohmann::json branch = {{"at step", request.branch->at_step + 1},
                                   {"parent", format_parameters(*request.branch->parent, model, index, model_hash)}};
    fields.emplace_back("DiffScope branch", branch.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  fields.emplace_back("Version", "DiffScope 0.1");

  std::string text = request.prompt;
  if (!request.negative_prompt.empty()) text += "\nNegative prompt: " + request.negative_prompt;
  text += "\n";
  for (size_t i = 0; i < fields.size(); ++i) {
    text += (i ? ", " : "") + fields[i].first + ": " + quote_parameter_value(fields[i].second);
  }
  return text;
}

}  // namespace diffscope
