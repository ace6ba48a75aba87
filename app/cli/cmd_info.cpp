// diffscope-cli samplers | embeddings | inspect FILE | dataset: listings and the image set.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>

#include "app/cli/commands.h"
#include "core/data/emoji_set.h"
#include "core/io/safetensors.h"
#include "core/models/adapters/embedding_folders.h"
#include "core/sampling/sampler.h"

namespace diffscope::cli {

void add_info_commands(CLI::App& app) {
  app.add_subcommand("samplers", "List the samplers")->callback([] {
    int name_width = 4, label_width = 5, spacing_width = 7;  // the headers' lengths
    for (const auto& s : all_samplers()) {
      name_width = std::max(name_width, int(s.name.size()));
      label_width = std::max(label_width, int(s.a1111_name.size()));
      spacing_width = std::max(spacing_width, int(s.default_spacing.size()));
    }
    const auto row = [&](const std::string& name, const std::string& label, const std::string& spacing,
                         const std::string& description) {
      std::printf("%-*s  %-*s  %-*s  %s\n", name_width, name.c_str(), label_width, label.c_str(), spacing_width,
                  spacing.c_str(), description.c_str());
    };
    row("name", "A1111", "spacing", "description");
    for (const auto& s : all_samplers()) row(s.name, s.a1111_name, s.default_spacing, s.description);
  });

  auto file = std::make_shared<std::string>();
  CLI::App* inspect = app.add_subcommand("inspect", "List the tensors and metadata of a .safetensors file");
  inspect->add_option("file", *file, "The file")->required()->check(CLI::ExistingFile);
  inspect->callback([file] {
    const SafetensorsFile st = SafetensorsFile::open(*file);
    for (const auto& [key, value] : st.metadata()) {
      std::printf("# %s: %s\n", key.c_str(), value.substr(0, 120).c_str());
    }
    for (const auto& e : st.entries()) {
      std::string shape;
      for (auto d : e.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
      std::printf("%s %s [%s]\n", e.name.c_str(), e.dtype.c_str(), shape.c_str());
    }
    std::printf("%zu tensors\n", st.entries().size());
  });

  struct EmbeddingsArgs {
    std::string model;
    std::vector<std::string> dirs;
  };
  auto found = std::make_shared<EmbeddingsArgs>();
  CLI::App* embeddings = app.add_subcommand("embeddings", "List the textual-inversion embeddings a prompt can name");
  embeddings->add_option("--model", found->model, "A checkpoint: also look in the embeddings folders beside it");
  embeddings->add_option("--embeddings-dir", found->dirs, "A folder to look in first (repeatable)");
  embeddings->callback([found] {
    const auto dirs = embedding_search_dirs(found->dirs, found->model);
    const EmbeddingScan scan = scan_embeddings(dirs);
    for (const EmbeddingFile& file : scan.files) {
      std::printf("%s  %s  %s\n", file.name().c_str(), file.describe().c_str(), file.path().c_str());
    }
    for (const RefusedEmbedding& refused : scan.refused) {
      std::printf("%s  not read: %s\n", refused.name.c_str(), refused.reason.c_str());
    }
    std::string looked;
    for (const auto& dir : dirs) looked += (looked.empty() ? "" : ", ") + dir.string();
    std::printf("%zu embeddings in %s\n", scan.files.size(), looked.c_str());
  });

  auto rebuild = std::make_shared<bool>(false);
  CLI::App* dataset = app.add_subcommand("dataset", "Build (or show) the cached emoji image set the oracle uses");
  dataset->add_flag("--rebuild", *rebuild, "Build it again from the installed package");
  dataset->callback([rebuild] {
    const ImageSet set = load_default_image_set(*rebuild);
    std::printf("%s: %lld images of %lldx%lld\n", default_image_set_path().c_str(),
                static_cast<long long>(set.images.size(0)), static_cast<long long>(set.images.size(2)),
                static_cast<long long>(set.images.size(1)));
  });
}

}  // namespace diffscope::cli
