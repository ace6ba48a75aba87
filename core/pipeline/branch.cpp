#include "core/pipeline/branch.h"

#include <cmath>
#include <string>

#include "core/common/errors.h"
#include "core/models/adapters/lora_prompt.h"
#include "core/pipeline/request.h"

namespace diffscope {
namespace {

bool same_loras(const std::string& a, const std::string& b) {
  const auto x = lora_tags(a), y = lora_tags(b);
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].name != y[i].name || x[i].text_weight != y[i].text_weight || x[i].unet_weight != y[i].unet_weight) {
      return false;
    }
  }
  return true;
}

}  // namespace

Request with_parent_settings(const Request& request) {
  if (!request.branch) return request;
  if (!request.branch->parent) throw Error("a branch needs the run it branches from");
  // The parent may be a branch too: its own parent's settings first.
  const Request parent = with_parent_settings(*request.branch->parent);
  const int at = request.branch->at_step;
  if (at < 0 || at >= parent.steps) {
    throw Error("a branch starts at one of the parent's steps (1 to " + std::to_string(parent.steps) + "); step " +
                std::to_string(at + 1) + " was asked for");
  }
  if (request.steps <= at) {
    throw Error("a branch at step " + std::to_string(at + 1) + " needs more than " + std::to_string(at) +
                " steps in all (it has " + std::to_string(request.steps) + ")");
  }
  if (!same_loras(request.prompt, parent.prompt)) {
    throw Error("a branch keeps its parent's LoRAs (<lora:…> tags): its weights are the parent's");
  }
  if (!parent.refiner.empty()) throw Error("runs finished by an SDXL refiner cannot be branched yet");
  // img2img runs only the last strength·n of their n steps: its step numbers
  // are not the schedule's.
  if (!parent.init_image.empty()) throw Error("img2img runs cannot be branched yet");
  Request r = parent;
  r.prompt = request.prompt;
  r.negative_prompt = request.negative_prompt;
  r.cfg_scale = request.cfg_scale;
  r.sampler = request.sampler;
  r.eta = request.eta;
  r.ddpm_variance = request.ddpm_variance;
  r.steps = request.steps;
  r.seed = request.seed;
  r.branch = BranchPoint{std::make_shared<const Request>(parent), at};
  return r;
}

const Request& chain_root(const Request& request) {
  return request.branch && request.branch->parent ? chain_root(*request.branch->parent) : request;
}

std::vector<double> branch_sigmas(const std::vector<double>& parent_sigmas, int at_step, int steps) {
  const int parent_steps = static_cast<int>(parent_sigmas.size()) - 1;
  if (at_step < 0 || at_step >= parent_steps || steps <= at_step) throw Error("branch_sigmas: no step left to run");
  if (steps == parent_steps) return parent_sigmas;
  std::vector<double> sigmas(parent_sigmas.begin(), parent_sigmas.begin() + at_step + 1);
  const bool ends_at_zero = parent_sigmas.back() == 0.0;
  double smallest = parent_sigmas[parent_steps - (ends_at_zero ? 1 : 0)];
  const double start = parent_sigmas[at_step];
  if (!(smallest > 0) || smallest > start) smallest = start;
  // `remaining` steps: levels strictly below σ_start, the last one the
  // smallest (or 0 where the parent ends there).
  const int remaining = steps - at_step;
  const int spaced = ends_at_zero ? remaining - 1 : remaining;
  for (int i = 1; i <= spaced; ++i) {
    const double fraction = double(i) / double(spaced);
    sigmas.push_back(std::exp(std::log(start) + fraction * (std::log(smallest) - std::log(start))));
  }
  if (ends_at_zero) sigmas.push_back(0.0);
  return sigmas;
}

}  // namespace diffscope
