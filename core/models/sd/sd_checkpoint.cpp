#include "core/models/sd/sd_checkpoint.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/errors.h"
#include "core/common/text.h"
#include "core/models/sd/diffusers_names.h"
#include "core/models/sd/sd_unet.h"
#include "core/text/clip_tokenizer.h"

namespace diffscope::sd {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUnet = "model.diffusion_model.";
constexpr const char* kOpenAiText = "cond_stage_model.transformer.text_model.";
constexpr const char* kOpenClipText = "cond_stage_model.model.";

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": not valid JSON (" + e.what() + ")");
  }
}

void open_diffusers(const fs::path& folder, WeightStore& store, CheckpointInfo& info) {
  info.diffusers = true;
  for (const char* part : {"unet", "vae", "text_encoder"}) {
    if (!fs::is_directory(folder / part)) throw Error(folder.string() + ": the diffusers folder has no " + part + "/");
  }
  auto unet = open_safetensors_file(component_weights(folder / "unet"));
  store.add_file(unet, diffusers_unet_renamer(*unet));
  auto vae = open_safetensors_file(component_weights(folder / "vae"));
  store.add_file(vae, diffusers_vae_renamer(*vae));
  store.add_file(open_safetensors_file(component_weights(folder / "text_encoder")), diffusers_text_name);
  info.prediction = scheduler_prediction(folder);
  // SD 2.x's diffusers text encoder is OpenCLIP converted to CLIPTextModel
  // names with its last layer already cut off, and exact GELU.
  info.text_quick_gelu = text_uses_quick_gelu(folder / "text_encoder");
  info.text_penultimate = false;
}

}  // namespace

std::shared_ptr<const SafetensorsFile> open_safetensors_file(const fs::path& path) {
  const std::string extension = lower(path.extension().string());
  if (extension == ".ckpt" || extension == ".pt" || extension == ".pth" || extension == ".bin") {
    throw Error(path.string() +
                ": this is a pickled PyTorch file, and loading one runs the code inside it. "
                "DiffScope reads only .safetensors: convert it once (e.g. with the safetensors package or "
                "AUTOMATIC1111's checkpoint merger) or download the .safetensors version of the model");
  }
  return std::make_shared<const SafetensorsFile>(SafetensorsFile::open(path));
}

// The weights file of a diffusers component folder.
fs::path component_weights(const fs::path& folder) {
  for (const char* name : {"diffusion_pytorch_model.safetensors", "model.safetensors",
                           "diffusion_pytorch_model.fp16.safetensors", "model.fp16.safetensors"}) {
    if (fs::is_regular_file(folder / name)) return folder / name;
  }
  for (const char* name : {"diffusion_pytorch_model.bin", "pytorch_model.bin"}) {
    if (fs::is_regular_file(folder / name)) return folder / name;  // refused by open_safetensors
  }
  throw Error(folder.string() + ": no diffusion_pytorch_model.safetensors or model.safetensors in it");
}

std::optional<std::string> scheduler_prediction(const fs::path& folder) {
  const fs::path scheduler = folder / "scheduler" / "scheduler_config.json";
  if (!fs::is_regular_file(scheduler)) return std::nullopt;
  const nlohmann::json config = read_json(scheduler);
  if (!config.is_object() || !config.contains("prediction_type") || !config["prediction_type"].is_string())
    return std::nullopt;
  return config["prediction_type"].get<std::string>() == "v_prediction" ? "v" : "epsilon";
}

bool scheduler_zero_terminal_snr(const fs::path& folder) {
  const fs::path scheduler = folder / "scheduler" / "scheduler_config.json";
  if (!fs::is_regular_file(scheduler)) return false;
  const nlohmann::json config = read_json(scheduler);
  return config.is_object() && config.contains("rescale_betas_zero_snr") &&
         config["rescale_betas_zero_snr"].is_boolean() && config["rescale_betas_zero_snr"].get<bool>();
}

bool text_uses_quick_gelu(const fs::path& component) {
  if (!fs::is_regular_file(component / "config.json")) return true;
  const nlohmann::json config = read_json(component / "config.json");
  if (!config.is_object() || !config.contains("hidden_act") || !config["hidden_act"].is_string()) return true;
  return config["hidden_act"].get<std::string>() == "quick_gelu";
}

std::string family_name(Family family) { return family == Family::Sd1 ? "SD 1.x" : "SD 2.x"; }

const std::vector<std::string>& checkpoint_buffer_names() {
  static const std::vector<std::string> names = {"betas",
                                                 "alphas_cumprod",
                                                 "alphas_cumprod_prev",
                                                 "sqrt_alphas_cumprod",
                                                 "sqrt_one_minus_alphas_cumprod",
                                                 "log_one_minus_alphas_cumprod",
                                                 "sqrt_recip_alphas_cumprod",
                                                 "sqrt_recipm1_alphas_cumprod",
                                                 "posterior_variance",
                                                 "posterior_log_variance_clipped",
                                                 "posterior_mean_coef1",
                                                 "posterior_mean_coef2",
                                                 "model_ema.decay",
                                                 "model_ema.num_updates",
                                                 "logvar"};
  return names;
}

CheckpointInfo open_checkpoint(const fs::path& path, WeightStore& store) {
  CheckpointInfo info;
  info.path = path;
  if (fs::is_directory(path)) {
    if (!fs::is_regular_file(path / "model_index.json")) {
      throw Error(path.string() + ": a folder, but not a diffusers model (no model_index.json)");
    }
    open_diffusers(path, store, info);
    info.few_step = detect_few_step(path, {});
  } else if (fs::exists(path)) {
    auto file = open_safetensors_file(path);
    info.few_step = detect_few_step(path, file->metadata());
    store.add_file(std::move(file));
  } else {
    throw Error(path.string() + ": no such file or folder");
  }

  const std::string probe = std::string(kUnet) + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight";
  if (!store.has(probe)) {
    throw Error(path.string() + ": not a Stable Diffusion 1.x/2.x checkpoint (no tensor '" + probe +
                "'; SD3 and LoRA files are not supported)");
  }
  const auto to_k = store.shape(probe);
  info.context_dim = to_k.at(1);
  if (info.context_dim == 768) {
    info.family = Family::Sd1;
  } else if (info.context_dim == 1024) {
    info.family = Family::Sd2;
  } else {
    throw Error(path.string() + ": tensor '" + probe + "' has shape " + shape_text(to_k) +
                "; SD 1.x has [320, 768] and SD 2.x [320, 1024]");
  }
  info.linear_projection = store.shape(std::string(kUnet) + "input_blocks.1.1.proj_in.weight").size() == 2;
  info.inpainting = unet_input_channels(store, kUnet) == kInpaintingInputChannels;
  if (store.has(std::string(kOpenAiText) + "embeddings.token_embedding.weight")) {
    info.open_clip = false;
  } else if (store.has(std::string(kOpenClipText) + "token_embedding.weight")) {
    info.open_clip = true;
    if (!info.diffusers) info.text_quick_gelu = false, info.text_penultimate = true;
  } else {
    throw Error(path.string() + ": no text encoder found (neither " + kOpenAiText + "* nor " + kOpenClipText + "*)");
  }
  info.has_schedule = store.has("alphas_cumprod");
  for (const std::string& name : checkpoint_buffer_names()) {
    if (name != "alphas_cumprod") store.skip(name);
  }
  return info;
}

void open_vae_override(const fs::path& path, WeightStore& store) {
  auto file = open_safetensors_file(path);
  store.drop_prefix("first_stage_model.");
  if (file->contains("decoder.conv_norm_out.weight")) {
    store.add_file(file, diffusers_vae_renamer(*file));
    return;
  }
  store.add_file(file, [](const std::string& name) -> std::optional<std::string> {
    for (const char* part : {"encoder.", "decoder.", "quant_conv.", "post_quant_conv."}) {
      if (name.rfind(part, 0) == 0) return "first_stage_model." + name;
    }
    return std::nullopt;  // e.g. a VAE checkpoint's loss weights
  });
}

std::string tokenizer_missing_message(const fs::path& checkpoint, bool open_clip) {
  std::string message = checkpoint.filename().string() +
                        " comes without CLIP tokenizer files, and DiffScope does not ship them. Point the "
                        "tokenizer setting (--tokenizer) at a folder with vocab.json + merges.txt or at "
                        "bpe_simple_vocab_16e6.txt.gz, or put them next to the checkpoint. Looked in:";
  for (const auto& place : clip_tokenizer_search_places(checkpoint, open_clip)) message += "\n  " + place.string();
  return message;
}

// Elements of every tensor the checkpoint's files hold.
uint64_t parameter_count(const WeightStore& store) {
  uint64_t count = 0;
  for (const std::string& name : store.names_with_prefix("")) {
    uint64_t elements = 1;
    for (int64_t size : store.shape(name)) elements *= uint64_t(size);
    count += elements;
  }
  return count;
}

// The sides an image must be a multiple of: the VAE's upsamplings and the
// U-Net's downsamplings, each halving (SD 1.x/2.x: 8 · 8 = 64), read off the names.
int size_multiple(const WeightStore& store) {
  auto ending_in = [&](const std::string& prefix, const std::string& suffix) {
    int count = 0;
    for (const std::string& name : store.names_with_prefix(prefix)) {
      count += name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
    return count;
  };
  const int halvings = ending_in("model.diffusion_model.input_blocks.", ".0.op.weight") +
                       ending_in("first_stage_model.decoder.up.", ".upsample.conv.weight");
  return 1 << halvings;
}

// "v1-5-pruned-emaonly" for …/v1-5-pruned-emaonly.safetensors, the folder's
// name for a diffusers folder (also when written with a trailing slash).
std::string model_name(const fs::path& path) {
  const fs::path named = path.filename().empty() ? path.parent_path() : path;
  return named.filename().replace_extension().string();
}

}  // namespace diffscope::sd
