#include "core/models/adapters/lora_prompt.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "core/common/errors.h"
#include "core/common/text.h"
#include "core/io/user_dirs.h"
#include "core/models/adapters/lora_file.h"

namespace diffscope {
namespace fs = std::filesystem;
namespace {

constexpr double kMaxWeight = 10.0;

double parse_weight(const std::string& text, const std::string& tag) {
  const std::string value = trim(text);
  char* end = nullptr;
  const double weight = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(weight)) {
    throw Error("the LoRA tag " + tag + " has a weight that is not a number: '" + value + "'");
  }
  if (std::abs(weight) > kMaxWeight) {
    throw Error("the LoRA tag " + tag + " has weight " + value + "; weights go from −10 to 10");
  }
  return weight;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

std::string format_weight(double weight) {
  std::ostringstream out;
  out << weight;
  return out.str();
}

}  // namespace

std::vector<LoraTag> lora_tags(const std::string& prompt) {
  std::vector<LoraTag> tags;
  static const std::string kOpen = "<lora:";
  for (size_t at = prompt.find(kOpen); at != std::string::npos; at = prompt.find(kOpen, at + 1)) {
    const size_t close = prompt.find('>', at);
    if (close == std::string::npos) throw Error("the LoRA tag at '" + prompt.substr(at, 40) + "' has no closing '>'");
    const std::string tag = prompt.substr(at, close + 1 - at);
    const std::vector<std::string> args = split(prompt.substr(at + kOpen.size(), close - at - kOpen.size()), ':');
    LoraTag parsed;
    parsed.name = args.empty() ? "" : trim(args[0]);
    if (parsed.name.empty()) throw Error("the LoRA tag " + tag + " names no LoRA");
    if (parsed.name.find('/') != std::string::npos || parsed.name.find('\\') != std::string::npos ||
        parsed.name.front() == '.') {
      throw Error("the LoRA tag " + tag + " must name a file in a LoRA folder, not a path");
    }
    std::vector<std::string> positional;
    bool unet_given = false;
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string arg = trim(args[i]);
      if (arg.rfind("te=", 0) == 0) {
        parsed.text_weight = parse_weight(arg.substr(3), tag);
      } else if (arg.rfind("unet=", 0) == 0) {
        parsed.unet_weight = parse_weight(arg.substr(5), tag);
        unet_given = true;
      } else if (arg.rfind("dyn=", 0) == 0) {
        throw Error("the LoRA tag " + tag + " asks for a dynamic rank (dyn), which DiffScope does not apply");
      } else {
        positional.push_back(arg);
      }
    }
    if (positional.size() == 3) {
      throw Error("the LoRA tag " + tag + " asks for a dynamic rank (dyn), which DiffScope does not apply");
    }
    if (positional.size() > 3) throw Error("the LoRA tag " + tag + " has more than two weights");
    if (!positional.empty()) parsed.text_weight = parse_weight(positional[0], tag);
    if (positional.size() == 2) {
      parsed.unet_weight = parse_weight(positional[1], tag);
    } else if (!unet_given) {
      parsed.unet_weight = parsed.text_weight;
    }
    parsed.begin = at;
    parsed.length = close + 1 - at;
    tags.push_back(parsed);
  }
  return tags;
}

std::string without_lora_tags(const std::string& prompt) {
  std::string text = prompt;
  const auto tags = lora_tags(prompt);
  for (auto it = tags.rbegin(); it != tags.rend(); ++it) text.erase(it->begin, it->length);
  return text;
}

std::string with_lora_weight(const std::string& prompt, const std::string& name, double weight, bool present) {
  std::string text = prompt;
  const std::string tag = "<lora:" + name + ":" + format_weight(weight) + ">";
  std::vector<LoraTag> matches;
  for (const LoraTag& t : lora_tags(prompt)) {
    if (t.name == name) matches.push_back(t);
  }
  // From the back, so earlier positions stay valid: the first tag of the
  // LoRA is rewritten, any other (or all, to remove it) goes with one space before it.
  for (size_t i = matches.size(); i-- > 0;) {
    const LoraTag& t = matches[i];
    if (present && i == 0) {
      text.replace(t.begin, t.length, tag);
      continue;
    }
    size_t begin = t.begin, length = t.length;
    if (begin > 0 && text[begin - 1] == ' ') --begin, ++length;
    text.erase(begin, length);
  }
  if (present && matches.empty()) text += (text.empty() || text.back() == ' ' ? "" : " ") + tag;
  return text;
}

std::vector<fs::path> lora_search_dirs(const std::vector<std::string>& asked, const std::string& model) {
  std::vector<fs::path> dirs(asked.begin(), asked.end());
  std::error_code error;
  const fs::path model_path(model);
  if (!model.empty() && (fs::is_regular_file(model_path, error) || fs::is_directory(model_path, error))) {
    const fs::path folder = fs::absolute(model_path, error).parent_path();
    for (const fs::path& dir : {folder, folder / "Lora", folder / "loras"}) dirs.push_back(dir);
  }
  if (const fs::path data = user_data_dir(); !data.empty()) dirs.push_back(data / "loras");
  return dirs;
}

fs::path find_lora(const std::string& name, const std::vector<fs::path>& dirs) {
  std::string looked;
  for (const fs::path& dir : dirs) {
    std::error_code error;
    const fs::path file = dir / (name + ".safetensors");
    if (fs::is_regular_file(file, error)) return file;
    for (const char* pickled : {".pt", ".ckpt", ".bin", ".pth"}) {
      if (fs::is_regular_file(dir / (name + pickled), error)) {
        throw Error("the LoRA '" + name + "' is a pickled file (" + (dir / (name + pickled)).string() +
                    "); DiffScope reads only .safetensors, since loading a pickle runs the code inside it");
      }
    }
    looked += (looked.empty() ? "" : ", ") + dir.string();
  }
  throw Error("no LoRA named '" + name + "' (" + name + ".safetensors) in " +
              (looked.empty() ? std::string("any LoRA folder (set one with --lora-dir)") : looked));
}

std::vector<std::pair<std::string, fs::path>> list_loras(const std::vector<fs::path>& dirs) {
  std::map<std::string, fs::path> found;
  for (const fs::path& dir : dirs) {
    std::error_code error;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
      if (it->path().extension() != ".safetensors" || !it->is_regular_file(error)) continue;
      if (!LoraFile::looks_like_lora(it->path())) continue;   // checkpoints share the folder
      found.emplace(it->path().stem().string(), it->path());  // the first folder wins
    }
  }
  return {found.begin(), found.end()};
}

std::vector<LoraUse> resolve_loras(const std::string& prompt, const std::vector<fs::path>& dirs) {
  std::vector<LoraUse> uses;
  for (const LoraTag& tag : lora_tags(prompt)) {
    uses.push_back(LoraUse{tag.name, find_lora(tag.name, dirs), tag.text_weight, tag.unet_weight});
  }
  return uses;
}

}  // namespace diffscope
