#include "core/models/sdxl/sdxl_checkpoint.h"

#include <string>

#include "core/common/errors.h"
#include "core/models/sd/diffusers_names.h"
#include "core/models/sd/sd_checkpoint.h"
#include "core/models/sd/sd_unet.h"

namespace diffscope::sdxl {
namespace fs = std::filesystem;
namespace {

const std::string kProbe = std::string(kClipGPrefix) + "token_embedding.weight";  // the base's bigG

int64_t dim(const sd::WeightStore& store, const std::string& name, size_t axis) {
  const auto shape = store.shape(name);
  if (axis >= shape.size()) throw Error("tensor '" + name + "' has shape " + sd::shape_text(shape));
  return shape[axis];
}

// The first U-Net input-block tensor whose name ends in `suffix` ("" if none);
// SDXL's first level has no attention, so its place is not fixed.
std::string first_ending_in(const sd::WeightStore& store, const std::string& suffix) {
  for (const std::string& name : store.names_with_prefix(std::string(kUnetPrefix) + "input_blocks.")) {
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return name;
    }
  }
  return {};
}

// A diffusers folder's parts, renamed to the single file's names.
void open_diffusers(const fs::path& folder, sd::WeightStore& store, SdxlCheckpoint& info) {
  for (const char* part : {"unet", "vae", "text_encoder_2"}) {
    if (!fs::is_directory(folder / part)) {
      throw Error(folder.string() + ": the SDXL diffusers folder has no " + part + "/");
    }
  }
  auto unet = sd::open_safetensors_file(sd::component_weights(folder / "unet"));
  store.add_file(unet, sd::diffusers_unet_renamer(*unet));
  auto vae = sd::open_safetensors_file(sd::component_weights(folder / "vae"));
  store.add_file(vae, sd::diffusers_vae_renamer(*vae));
  auto rename_text = [](const std::string& to) {
    return [to](const std::string& name) -> std::optional<std::string> {
      if (name.rfind("text_model.", 0) != 0) return std::nullopt;
      return to + name.substr(11);
    };
  };
  if (fs::is_directory(folder / "text_encoder")) {  // the refiner has none
    store.add_file(sd::open_safetensors_file(sd::component_weights(folder / "text_encoder")),
                   rename_text(kClipLPrefix));
  }
  const auto text_g = rename_text(kClipGHfPrefix);
  store.add_file(sd::open_safetensors_file(sd::component_weights(folder / "text_encoder_2")),
                 [text_g](const std::string& name) -> std::optional<std::string> {
                   if (name == "text_projection.weight") return std::string(kClipGHfProjection);
                   return text_g(name);
                 });
  info.diffusers = true;
  info.prediction = sd::scheduler_prediction(folder);
  if (info.prediction) info.prediction_source = "scheduler_config.json";
  info.zero_terminal_snr = sd::scheduler_zero_terminal_snr(folder);
  info.clip_g_quick_gelu = sd::text_uses_quick_gelu(folder / "text_encoder_2");
}

// The marker tensors the fine-tuners' trainers add to a single file (read as
// ComfyUI reads them): `v_pred` (v-prediction), `ztsnr` (zero terminal SNR);
// `edm_*` mark a model trained on EDM's continuous noise levels, which
// DiffScope does not run.
void read_markers(const fs::path& path, sd::WeightStore& store, SdxlCheckpoint& info) {
  for (const char* edm : {"edm_mean", "edm_std", "edm_vpred.sigma_max", "edm_vpred.sigma_min"}) {
    if (store.has(edm)) {
      throw Error(path.string() + ": its tensor '" + edm +
                  "' marks an SDXL trained on EDM's continuous noise levels (Playground v2.5, CosXL); DiffScope "
                  "runs SDXL models trained on the 1,000 discrete timesteps only");
    }
  }
  if (store.has("v_pred")) {
    info.prediction = "v";
    info.prediction_source = "its v_pred marker";
    store.skip("v_pred");
  }
  if (store.has("ztsnr")) {
    info.zero_terminal_snr = true;
    store.skip("ztsnr");
  }
}

}  // namespace

bool is_sdxl(const fs::path& path) {
  if (fs::is_directory(path)) {
    return fs::is_regular_file(path / "model_index.json") && fs::is_directory(path / "text_encoder_2") &&
           fs::is_directory(path / "unet");
  }
  if (!fs::is_regular_file(path)) return false;
  try {
    const auto file = sd::open_safetensors_file(path);
    const bool base =
        file->contains(kProbe) && file->contains(std::string(kClipLPrefix) + "embeddings.token_embedding.weight");
    const bool refiner = file->contains(std::string(kRefinerClipGPrefix) + "token_embedding.weight") &&
                         file->contains(std::string(kUnetPrefix) + "label_emb.0.0.weight");
    return base || refiner;
  } catch (const Error&) {
    return false;  // not ours to judge: the SD loader names what is wrong with it
  }
}

SdxlCheckpoint open_sdxl_checkpoint(const fs::path& path, sd::WeightStore& store) {
  SdxlCheckpoint info;
  info.path = path;
  if (fs::is_directory(path)) {
    open_diffusers(path, store, info);
    info.few_step = detect_few_step(path, {});
  } else {
    auto file = sd::open_safetensors_file(path);
    info.few_step = detect_few_step(path, file->metadata());
    store.add_file(std::move(file));
    read_markers(path, store, info);
  }
  const std::string clip_l_probe = std::string(kClipLPrefix) + "embeddings.token_embedding.weight";
  info.refiner = info.diffusers ? !store.has(clip_l_probe)
                                : store.has(std::string(kRefinerClipGPrefix) + "token_embedding.weight");
  info.clip_l_width = info.refiner ? 0 : dim(store, clip_l_probe, 1);
  if (info.diffusers) {
    info.clip_g_width = dim(store, std::string(kClipGHfPrefix) + "embeddings.token_embedding.weight", 1);
    info.pooled_width = dim(store, kClipGHfProjection, 0);
  } else {
    info.clip_g_prefix = info.refiner ? kRefinerClipGPrefix : kClipGPrefix;
    const std::string probe = info.clip_g_prefix + "token_embedding.weight";
    if (!store.has(probe)) throw Error(path.string() + ": not an SDXL checkpoint (no tensor '" + probe + "')");
    info.clip_g_width = dim(store, probe, 1);
    info.pooled_width = dim(store, info.clip_g_prefix + "text_projection", 1);
  }
  const std::string to_k = first_ending_in(store, "transformer_blocks.0.attn2.to_k.weight");
  const std::string proj_in = first_ending_in(store, ".proj_in.weight");
  if (to_k.empty() || proj_in.empty()) {
    throw Error(path.string() + ": the U-Net has no cross-attention (no input_blocks.*.attn2.to_k)");
  }
  info.linear_projection = store.shape(proj_in).size() == 2;
  info.inpainting = sd::unet_input_channels(store, kUnetPrefix) == sd::kInpaintingInputChannels;
  const std::string label = std::string(kUnetPrefix) + "label_emb.0.0.weight";
  info.context_dim = dim(store, to_k, 1);
  info.adm_channels = dim(store, label, 1);
  if (info.context_dim != info.clip_l_width + info.clip_g_width) {
    throw Error(path.string() + ": the U-Net attends to " + std::to_string(info.context_dim) + " channels ('" + to_k +
                "'), the text encoders give " + std::to_string(info.clip_l_width) + " + " +
                std::to_string(info.clip_g_width));
  }
  const int embeddings = info.refiner ? 5 : 6;  // sizes and crop (refiner: + aesthetic score)
  if (info.adm_channels != info.pooled_width + embeddings * 256) {
    throw Error(path.string() + ": tensor '" + label + "' takes " + std::to_string(info.adm_channels) +
                " values; SDXL" + (info.refiner ? " refiner" : "") + "'s vector is the pooled text (" +
                std::to_string(info.pooled_width) + ") and " + std::to_string(embeddings) + " 256-wide embeddings");
  }
  return info;
}

}  // namespace diffscope::sdxl
