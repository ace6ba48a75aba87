#pragma once
// diffusers' tensor names → the original CompVis names the networks are built
// from (stable-diffusion.cpp keeps its name conversion in one place too).
// nullopt: a name that is not part of the model.
#include <functional>
#include <optional>
#include <string>

#include "core/io/safetensors.h"

namespace diffscope::sd {

using Renamer = std::function<std::optional<std::string>(const std::string&)>;

// unet/diffusion_pytorch_model.safetensors → model.diffusion_model.*; needs
// the file to count resnets per block and see which up blocks have attention.
Renamer diffusers_unet_renamer(const SafetensorsFile& unet);
// vae/ (or a diffusers-format VAE override) → first_stage_model.*
Renamer diffusers_vae_renamer(const SafetensorsFile& vae);
// text_encoder/ (Hugging Face CLIPTextModel) → cond_stage_model.transformer.*
std::optional<std::string> diffusers_text_name(const std::string& name);

}  // namespace diffscope::sd
