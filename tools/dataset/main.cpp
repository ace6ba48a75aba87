// diffscope-dataset: builds the built-in model's (image, caption) data set
// from EmojiOne (ruby-gemojione) and Noto Color Emoji (fonts-noto-color-emoji)
// and writes it as one safetensors file, with a preview grid if asked. Every
// emoji also carries its CLDR names and keywords in several languages
// (unicode-cldr-core), for captions in people's words.
#include <ATen/ATen.h>
#include <CLI/CLI.hpp>

#include <QGuiApplication>

#include <cstdio>

#include "core/common/errors.h"
#include "core/data/cldr_annotations.h"
#include "core/data/emoji_pairs.h"
#include "core/data/emoji_set.h"
#include "core/io/png_image.h"
#include "tools/dataset/noto_renderer.h"

int main(int argc, char** argv) {
  CLI::App cli{"Builds DiffScope's emoji (image, caption) data set"};
  std::string output = "emoji-pairs.safetensors", grid;
  int grid_side = 16;
  cli.add_option("-o,--output", output, "the data set file to write");
  cli.add_option("--grid", grid, "also write a PNG grid of the first images");
  cli.add_option("--grid-side", grid_side, "images per grid side")->check(CLI::Range(1, 64));
  CLI11_PARSE(cli, argc, argv);
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  try {
    const diffscope::dataset::NotoRenderer noto;
    const auto phrasings =
        diffscope::load_phrasings(diffscope::find_cldr_common_dir(), diffscope::caption_languages());
    const auto pairs = diffscope::build_emoji_pairs(
        diffscope::find_gemojione_dir(), diffscope::parse_emoji_test(diffscope::find_emoji_test_file()),
        [&](const std::u32string& sequence) { return noto.render(sequence); }, phrasings);
    diffscope::save_emoji_pairs(pairs, output);
    int64_t emojione = 0, held_out = 0, phrased = 0;
    for (int64_t i = 0; i < pairs.size(); ++i) {
      emojione += pairs.styles[i] == "emojione";
      held_out += pairs.held_out[i];
      phrased += !pairs.phrasings[i].empty();
    }
    std::printf("%s: %lld images (%lld EmojiOne, %lld Noto), %lld held out, %lld with CLDR phrasings\n",
                output.c_str(), (long long)pairs.size(), (long long)emojione, (long long)(pairs.size() - emojione),
                (long long)held_out, (long long)phrased);
    if (!grid.empty()) {
      const int64_t n = std::min<int64_t>(pairs.size(), int64_t(grid_side) * grid_side);
      at::Tensor sheet = at::full({grid_side * 64, grid_side * 64, 3}, 255, at::kByte);
      for (int64_t i = 0; i < n; ++i) {
        sheet.narrow(0, (i / grid_side) * 64, 64).narrow(1, (i % grid_side) * 64, 64).copy_(pairs.images[i]);
      }
      diffscope::write_png(grid, sheet);
    }
  } catch (const diffscope::Error& e) {
    std::fprintf(stderr, "diffscope-dataset: %s\n", e.what());
    return 1;
  }
  return 0;
}
