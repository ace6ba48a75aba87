#pragma once
// Few-step checkpoints: distilled models that make an image in 1–8 steps
// without classifier-free guidance — SD-Turbo and SDXL-Turbo (adversarial
// diffusion distillation), LCM-distilled checkpoints, SDXL-Lightning. They
// load like any SD / SDXL checkpoint; what differs is how they must be run,
// and run at SD's defaults (20 steps, CFG 7) they give burnt, noisy images.
// So DiffScope recognises them and their ModelInfo proposes their settings.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace diffscope {

struct ModelInfo;

enum class FewStepKind { None, Turbo, Lcm, Lightning };

// "turbo", "lcm", "lightning", "none"; Error naming the choices otherwise.
FewStepKind few_step_by_name(const std::string& name);
std::string few_step_name(FewStepKind kind);

struct FewStepMatch {
  FewStepKind kind = FewStepKind::None;
  int steps = 0;       // a step count the model names ("sdxl_lightning_4step"); 0: the kind's own
  std::string source;  // what said so: "file metadata (modelspec.title)", "file name", …
};

// What a checkpoint says of itself: its safetensors metadata (`metadata`, the
// SAI model spec's title / description / architecture and other free-text
// keys), a diffusers folder's model_index.json name, or the file or folder
// names on its path (a hub snapshot sits in models--stabilityai--sdxl-turbo/…).
FewStepMatch detect_few_step(const std::filesystem::path& checkpoint,
                             const std::map<std::string, std::string>& metadata);

// The settings the kind is run with, as its authors publish them, written into
// `info`'s defaults (steps, sampler, spacing, CFG 1 = off; SDXL-Turbo's 512²),
// with `info.few_step` saying what and why. None leaves `info` as it is.
void apply_few_step(ModelInfo& info, const FewStepMatch& match);

// "a few-step model (turbo, by its name): 1 step, Euler a, trailing spacing,
// CFG 1 (off), 512×512" for the app and the CLI; empty for other models.
std::string few_step_summary(const ModelInfo& info);

}  // namespace diffscope
