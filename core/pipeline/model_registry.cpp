#include "core/pipeline/model_registry.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <system_error>

#include "core/common/errors.h"
#include "core/common/text.h"
#include "core/data/emoji_set.h"
#include "core/models/ldm/ldm_bundle.h"
#include "core/models/ldm/ldm_config.h"
#include "core/models/model_paths.h"
#include "core/models/oracle_bundle.h"
#include "core/models/sd/sd_bundle.h"
#include "core/models/sdxl/sdxl_bundle.h"

namespace diffscope::model_registry {
namespace fs = std::filesystem;
namespace {

// A path rather than a name: a separator or a checkpoint's extension.
bool names_a_file(const std::string& model) {
  const std::string extension = lower(fs::path(model).extension().string());
  return model.find('/') != std::string::npos || model.find('\\') != std::string::npos || extension == ".safetensors" ||
         extension == ".ckpt";
}

bool is_auto(const std::string& schedule) { return schedule.empty() || schedule == "auto"; }

// describe() results, valid while the file (or folder) keeps its time stamp.
struct CachedInfo {
  fs::file_time_type stamp;
  ModelInfo info;
};

fs::file_time_type stamp_of(const fs::path& path) {
  std::error_code error;
  const auto stamp = fs::last_write_time(path, error);
  return error ? fs::file_time_type::min() : stamp;
}

ModelInfo describe_uncached(const ModelSource& source) {
  switch (source.kind) {
    case ModelKind::Oracle: return OracleBundle::describe();
    case ModelKind::BuiltIn:
      return LdmBundle::describe(ldm::load_config(source.path / (source.id + ".json"), ldm::NameAliasesFile::Skip));
    case ModelKind::StableDiffusion:
      return sdxl::is_sdxl(source.path) ? SdxlBundle::describe(source.path) : SdBundle::describe(source.path);
  }
  throw Error("unknown model kind");
}

}  // namespace

std::vector<std::string> installed_models() {
  std::vector<std::string> names = {kBuiltinModel};
  std::vector<std::string> others;
  for (const auto& dir : model_search_dirs()) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      const fs::path& path = entry.path();
      if (path.extension() != ".json") continue;
      const std::string name = path.stem().string();
      if (name != kBuiltinModel && find_model_dir(name)) others.push_back(name);
    }
  }
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  names.insert(names.end(), others.begin(), others.end());
  names.push_back(kOracleModel);
  return names;
}

ModelSource find(const std::string& model) {
  ModelSource source;
  source.id = model;
  if (model == kOracleModel) {
    source.kind = ModelKind::Oracle;
    return source;
  }
  if (names_a_file(model)) {
    // SD 1.x, 2.x or XL: the family is read off the tensors when it is opened.
    source.kind = ModelKind::StableDiffusion;
    source.path = model;
    return source;
  }
  const auto dir = find_model_dir(model);
  if (!dir) {
    throw Error("unknown model '" + model + "' (available: " + join(installed_models(), ", ") +
                ", or a Stable Diffusion .safetensors file or diffusers folder); models are looked for in "
                "$DIFFSCOPE_MODELS_DIR and the installed share/diffscope/models");
  }
  source.kind = ModelKind::BuiltIn;
  source.path = *dir;
  return source;
}

fs::path builtin_config(const std::string& model) {
  if (fs::path(model).extension() == ".json") return model;
  const auto dir = find_model_dir(model);
  if (!dir) throw Error("the model '" + model + "' was not found (see diffscope-cli generate --help)");
  return *dir / (model + ".json");
}

ModelInfo describe(const std::string& model) {
  const ModelSource source = find(model);
  if (source.kind == ModelKind::Oracle) return describe_uncached(source);
  const fs::path file = source.kind == ModelKind::BuiltIn ? source.path / (source.id + ".json") : source.path;
  const fs::file_time_type stamp = stamp_of(file);
  static std::mutex mutex;
  static std::map<std::string, CachedInfo> cache;
  const std::string key = fs::absolute(file).lexically_normal().string();
  {
    const std::lock_guard<std::mutex> lock(mutex);
    const auto found = cache.find(key);
    if (found != cache.end() && found->second.stamp == stamp) return found->second.info;
  }
  ModelInfo info = describe_uncached(source);
  const std::lock_guard<std::mutex> lock(mutex);
  cache[key] = {stamp, info};
  return info;
}

std::string load_key(const ModelSource& source, const Request& request, const LoadContext& context) {
  const std::string device = context.device.str(), type = at::toString(context.compute_type);
  switch (source.kind) {
    case ModelKind::Oracle: {
      // The set is resized to the image size; its schedule is the one asked for.
      const std::string schedule = is_auto(request.schedule) ? OracleBundle::describe().schedule : request.schedule;
      return source.id + "|" + std::to_string(request.width) + "x" + std::to_string(request.height) + "|" + schedule +
             "|" + device;
    }
    case ModelKind::BuiltIn: return source.id + "|" + type + "|" + device;
    case ModelKind::StableDiffusion:
      return source.id + "|" + request.vae + "|" + request.tokenizer + "|" + request.preview_decoder + "|" +
             (request.prediction ? prediction_name(*request.prediction) : "auto") + "|" + type + "|" + device;
  }
  return {};
}

std::unique_ptr<ModelBundle> load(const ModelSource& source, const Request& request, const LoadContext& context) {
  switch (source.kind) {
    case ModelKind::Oracle: {
      const std::string schedule = is_auto(request.schedule) ? OracleBundle::describe().schedule : request.schedule;
      return std::make_unique<OracleBundle>(load_default_image_set(), request.width, request.height, schedule,
                                            context.device);
    }
    case ModelKind::BuiltIn: {
      auto bundle = LdmBundle::load(source.path, source.id, context.device);
      bundle->set_compute_type(context.compute_type);
      return bundle;
    }
    case ModelKind::StableDiffusion: {
      SdLoadOptions options;
      options.checkpoint = source.path;
      options.vae = request.vae;
      options.tokenizer = request.tokenizer;
      options.preview_decoder = request.preview_decoder;
      options.prediction = request.prediction;
      options.compute_type = context.compute_type;
      options.device = context.device;
      options.progress = context.progress;
      options.cancel = context.cancel;
      if (sdxl::is_sdxl(source.path)) return SdxlBundle::load(options);
      return SdBundle::load(options);
    }
  }
  throw Error("unknown model kind");
}

}  // namespace diffscope::model_registry
