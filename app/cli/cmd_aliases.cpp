// diffscope-cli name-aliases: writes the CLDR name aliases (other languages'
// names of each emoji, read as the English caption name) and the
// nearest-caption index beside a trained built-in model's config
// (<model>.aliases.json), as `train --name-aliases`
// does at its end — for a model trained before that option, without
// training it again.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "app/cli/commands.h"
#include "core/common/errors.h"
#include "core/data/emoji_pairs.h"
#include "core/models/ldm/ldm_config.h"
#include "core/models/ldm/name_aliases_file.h"
#include "core/pipeline/model_registry.h"
#include "core/training/name_aliases_from_cldr.h"

namespace diffscope::cli {
namespace {

struct AliasesCommandOptions {
  std::filesystem::path data;
  std::string model = "diffscope-emoji";
};

void run_aliases(const AliasesCommandOptions& o) {
  const std::filesystem::path config_path = model_registry::builtin_config(o.model);
  ldm::LdmConfig config = ldm::load_config(config_path);
  const EmojiPairs pairs = load_emoji_pairs(o.data);
  // The images the trainer may train on: every image but the held-out styles.
  std::vector<int64_t> trained;
  for (int64_t i = 0; i < pairs.size(); ++i) {
    if (!pairs.held_out[static_cast<size_t>(i)]) trained.push_back(i);
  }
  config.text.aliases = cldr_name_aliases(pairs, trained, config.text.vocabulary, config.text.word_split);
  if (config.text.aliases.empty()) {
    throw Error(o.data.string() + " holds no CLDR names beside the English ones (a version-1 data set?)");
  }
  config.text.captions = caption_phrases(pairs, trained);
  config.text.caption_styles = caption_styles(pairs);
  ldm::save_config(config, config_path);
  std::printf("wrote %zu name aliases and the words of %zu captions into %s\n", config.text.aliases.size(),
              config.text.captions.size(), ldm::name_aliases_path(config_path).c_str());
}

}  // namespace

void add_name_aliases_command(CLI::App& app) {
  auto options = std::make_shared<AliasesCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "name-aliases", "Write other languages' names of the emoji (Unicode CLDR) and the index of captions beside a "
      "built-in model's config");
  cmd->add_option("--data", options->data, "Data set written by diffscope-dataset (version 2: with CLDR names)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-m,--model", options->model, "The built-in model: a name, or its .json")->capture_default_str();
  cmd->callback([options] { run_aliases(*options); });
}

}  // namespace diffscope::cli
