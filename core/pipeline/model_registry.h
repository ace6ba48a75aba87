#pragma once
// The one place that turns what a user typed or picked — an installed model's
// name, "oracle", a checkpoint file, a diffusers folder — into a model: which
// family it is, what it can do (before loading it), and the loaded model.
// Nothing else in DiffScope looks at model names or paths. Adding a family
// means adding it here (docs/ARCHITECTURE.md, "How to add a model family").
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/models/model_bundle.h"
#include "core/models/model_info.h"
#include "core/pipeline/request.h"

namespace diffscope {

// What a request's `model` stands for.
struct ModelSource {
  ModelKind kind = ModelKind::BuiltIn;
  std::string id;              // as the request names it
  std::filesystem::path path;  // built-in: the folder holding <id>.json; SD: the file or folder
  // Opened from a file or folder the user chose (rather than installed):
  // the app remembers it in its recent list, the PNG parameters keep its path.
  bool from_file() const { return kind == ModelKind::StableDiffusion; }
};

struct LoadContext {
  c10::Device device{c10::kCPU};
  at::ScalarType compute_type = at::kFloat;
  // Bytes read so far of all; may throw Cancelled.
  std::function<void(uint64_t done, uint64_t total)> progress;
  CancelToken cancel;
};

namespace model_registry {

// The models this installation offers by name: the built-in model first,
// other installed models, then the oracle.
std::vector<std::string> installed_models();

// Error naming the choices when `model` stands for nothing this build runs.
ModelSource find(const std::string& model);

// What the model can do, without loading it (its config, or the checkpoint's
// tensor table). Cached per file and modification time, so the app may ask
// on every keystroke. Error for unreadable or foreign files.
ModelInfo describe(const std::string& model);

// Loads the model for `request` (its VAE, tokenizer, prediction, size and
// schedule where they matter) in context.compute_type on context.device.
std::unique_ptr<ModelBundle> load(const ModelSource& source, const Request& request, const LoadContext& context);

// The config (.json) of a built-in model given by name or as that path (the
// training and evaluation tools); Error when there is none.
std::filesystem::path builtin_config(const std::string& model);

// Two requests with the same key can share one loaded model.
std::string load_key(const ModelSource& source, const Request& request, const LoadContext& context);

}  // namespace model_registry
}  // namespace diffscope
