#include "core/models/adapters/lora_merger.h"

#include <ATen/ATen.h>

#include "core/common/errors.h"
#include "core/models/adapters/lora_file.h"
#include "core/models/sd/weight_store.h"

namespace diffscope {
namespace {

std::map<std::string, std::vector<int64_t>> kept_shapes(const sd::WeightStore& store) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& [name, tensor] : store.kept()) shapes[name] = tensor.sizes().vec();
  return shapes;
}

std::string part_name(LoraPart part) {
  switch (part) {
    case LoraPart::Unet: return "U-Net";
    case LoraPart::TextEncoder: return "text encoder";
    case LoraPart::TextEncoder2: return "second text encoder";
  }
  return "model";
}

}  // namespace

LoraMerger::LoraMerger(sd::WeightStore& store, const std::string& unet_prefix, const std::vector<LoraTextTower>& towers,
                       std::string model_name)
    : store_(store),
      targets_(kept_shapes(store), unet_prefix, towers),
      unet_prefix_(unet_prefix),
      model_name_(std::move(model_name)) {}

bool LoraMerger::apply(const std::vector<LoraUse>& loras, const CancelToken& cancel) {
  std::vector<Stamp> stamps;
  for (const LoraUse& use : loras) {
    std::error_code error;
    Stamp stamp{std::filesystem::last_write_time(use.file, error), std::filesystem::file_size(use.file, error)};
    if (error) throw Error("cannot read the LoRA " + use.file.string() + ": " + error.message());
    stamps.push_back(stamp);
  }
  std::vector<LoraUse> current;
  for (const AppliedLora& applied : applied_) current.push_back(applied.use);
  if (current == loras && stamps == stamps_) return false;

  const auto start = std::chrono::steady_clock::now();
  text_changed_ = false;
  for (const std::string& name : touched_) {
    if (name.rfind(unet_prefix_, 0) != 0) text_changed_ = true;
  }
  revert();
  try {
    for (const LoraUse& use : loras) applied_.push_back(merge(use, cancel));
  } catch (...) {
    revert();
    throw;
  }
  stamps_ = std::move(stamps);
  for (const std::string& name : touched_) {
    if (name.rfind(unet_prefix_, 0) != 0) text_changed_ = true;
  }
  last_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return true;
}

void LoraMerger::revert() {
  store_.restore_taken(std::vector<std::string>(touched_.begin(), touched_.end()));
  touched_.clear();
  applied_.clear();
  stamps_.clear();
}

AppliedLora LoraMerger::merge(const LoraUse& use, const CancelToken& cancel) {
  const auto start = std::chrono::steady_clock::now();
  const LoraFile lora = LoraFile::open(use.file);
  AppliedLora applied;
  applied.use = use;
  applied.hash = lora_short_hash(use.file);
  applied.modules = lora.modules.size();
  std::vector<std::pair<const LoraModule*, LoraTarget>> matched;
  for (const LoraModule& module : lora.modules) {
    if (const auto target = targets_.find(module.part, module.path)) {
      matched.emplace_back(&module, *target);
    } else {
      applied.unmatched.push_back(module.key);
    }
  }
  if (matched.empty()) {
    throw Error("the LoRA '" + use.name + "' (" + use.file.string() + ") changes nothing in the model '" + model_name_ +
                "': none of its " + std::to_string(lora.modules.size()) +
                " modules is there (first: " + lora.modules.front().key + "); is it for another model family?");
  }
  for (const auto& [module, target] : matched) {
    const double weight = module->part == LoraPart::Unet ? use.unet_weight : use.text_weight;
    if (weight == 0.0) continue;  // weight 0: the model's own weights, bit for bit
    cancel.throw_if_cancelled();
    at::Tensor w = store_.taken(target.tensor);
    if (target.row_count > 0) w = w.narrow(0, target.row_begin, target.row_count);
    const auto options = at::TensorOptions().device(w.device()).dtype(at::kFloat);
    const at::Tensor up = module->up.flatten(1).to(options), down = module->down.flatten(1).to(options);
    if (up.size(0) != w.size(0) || up.size(0) * down.size(1) != w.numel()) {
      throw Error("the LoRA '" + use.name + "' changes '" + module->key + "' as a " +
                  sd::shape_text({up.size(0), down.size(1)}) + " weight; the model's " + part_name(module->part) +
                  " weight '" + target.tensor + "' is " + sd::shape_text(w.sizes().vec()) +
                  " (is the LoRA for another model family?)");
    }
    at::Tensor delta = at::mm(up, down).mul_(weight * module->scale()).view(w.sizes());
    if (!at::isfinite(delta).all().item<bool>()) {
      throw Error("the LoRA '" + use.name + "' holds NaN or infinite values ('" + module->key + "')");
    }
    touched_.insert(target.tensor);
    w.add_(delta.to(w.scalar_type()));
  }
  applied.merge_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return applied;
}

}  // namespace diffscope
