// diffscope-cli grid: A1111's X/Y/Z plot — one run per combination of the
// axes' values, drawn as one labelled PNG whose text restores every cell.
#include <ATen/core/Tensor.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/model_defaults.h"
#include "app/cli/text_options.h"
#include "core/common/errors.h"
#include "core/common/precision.h"
#include "core/grid/grid_axes.h"
#include "core/grid/grid_image.h"
#include "core/grid/grid_record.h"
#include "core/io/png_image.h"
#include "core/pipeline/parameters_parse.h"
#include "core/pipeline/parameters_text.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/request_limits.h"

namespace diffscope::cli {
namespace {

struct GridOptions {
  Request request;
  CommonOptions common;
  ModelDefaultOptions defaults;
  std::string precision = "auto";
  std::string x, y, z;  // "SETTING=V1,V2,…"; empty: no such axis
  std::string output = "grid.png";
  std::string cells_dir;  // each cell's PNG too; empty: none
  bool overwrite = false;
};

std::optional<GridAxis> axis_from(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return parse_grid_axis(text);
}

std::optional<BitmapFont> label_font() {
  const auto path = BitmapFont::find_installed();
  if (!path) {
    std::fprintf(stderr,
                 "note: no label font (GNU Unifont: Debian's package `unifont`, or DIFFSCOPE_LABEL_FONT=FILE.hex); "
                 "the grid is drawn without labels, its axes are in its parameters\n");
    return std::nullopt;
  }
  return BitmapFont::read_hex(*path);
}

void run_grid(GridOptions& o) {
  if (o.x.empty()) throw Error("a grid needs at least --x SETTING=VALUE,… (settings: " + grid_setting_names() + ")");
  const std::optional<GridAxis> x = axis_from(o.x), y = axis_from(o.y), z = axis_from(o.z);
  Request& base = o.request;
  base.device = o.common.device_choice();
  base.precision = parse_precision(o.precision);
  if (base.seed < 0) base.seed = std::random_device{}() & 0x7fffffff;  // one seed for every cell, as A1111
  apply_model_defaults(base, o.defaults);
  std::vector<GridCell> cells = grid_cells(base, x, y, z);
  GridRecord record{grid_record_axis(x), grid_record_axis(y), grid_record_axis(z), {}};

  // Every cell is checked before the first runs: a typo in the last value
  // should not cost the runs before it.
  long total_calls = 0;
  std::vector<int> calls;  // each cell's model calls, for the ETA
  for (const GridCell& cell : cells) {
    try {
      calls.push_back(Pipeline::plan(cell.request).model_calls);
      total_calls += calls.back();
    } catch (const Error& error) {
      throw Error("grid cell " + grid_cell_label(record, cell.x, cell.y, cell.z) + ": " + error.what());
    }
  }
  check_writable(o.output, o.overwrite);
  const auto cell_path = [&](const GridCell& cell) {
    return std::filesystem::path(o.cells_dir) /
           ("cell-" + std::to_string(cell.x + 1) + "-" + std::to_string(cell.y + 1) + "-" + std::to_string(cell.z + 1) +
            ".png");
  };
  if (!o.cells_dir.empty()) {
    std::filesystem::create_directories(o.cells_dir);
    for (const GridCell& cell : cells) check_writable(cell_path(cell), o.overwrite);
  }
  const std::optional<BitmapFont> font = label_font();
  const std::string device = apply_common_options(o.common);
  std::fprintf(stderr, "grid of %zu cells (%zu × %zu × %zu) on %s, %ld model calls\n", cells.size(),
               x ? x->values.size() : 1, y ? y->values.size() : 1, z ? z->values.size() : 1, device.c_str(),
               total_calls);

  Pipeline pipeline;
  std::vector<at::Tensor> images;
  const auto start = std::chrono::steady_clock::now();
  long calls_done = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    const GridCell& cell = cells[i];
    const Result result = pipeline.run(cell.request, StepCallback{});
    const std::string parameters = format_parameters(result.request, result.info, 0);
    images.push_back(result.images[0]);
    record.cells.push_back({cell.x, cell.y, cell.z, parameters});
    if (!o.cells_dir.empty()) write_png(cell_path(cell), result.images[0], {{"parameters", parameters}});
    calls_done += calls[i];
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "cell %zu/%zu (%s) in %.2f s, ETA %.1f s\n", i + 1, cells.size(),
                 grid_cell_label(record, cell.x, cell.y, cell.z).c_str(), result.seconds,
                 elapsed / double(calls_done) * double(total_calls - calls_done));
  }
  GridLayout layout;
  layout.columns = x ? x->values.size() : 1;
  layout.rows = y ? y->values.size() : 1;
  layout.pages = z ? z->values.size() : 1;
  layout.column_labels = record.x.labels;
  layout.row_labels = record.y.labels;
  layout.page_titles = record.z.labels;
  const at::Tensor grid = compose_grid(images, layout, font ? &*font : nullptr);
  write_png(o.output, grid,
            {{"parameters", record.cells.front().parameters}, {kGridTextKey, format_grid_record(record)}});
  std::printf("%s\n", o.output.c_str());
  std::fprintf(stderr, "done in %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

struct GridCellOptions {
  std::string grid;
  size_t x = 1, y = 1, z = 1;  // 1-based, as the files of --cells-dir are named
  std::string output;          // empty: print the cell's parameters only
  bool overwrite = false;
  CommonOptions common;
};

// The cell's parameters from the grid's own text; with -o, its image made again.
void run_grid_cell(const GridCellOptions& o) {
  const auto text = read_png_text(o.grid);
  const auto found = text.find(kGridTextKey);
  if (found == text.end()) throw Error(o.grid + " is not a DiffScope grid (it has no \"" + kGridTextKey + "\" text)");
  const GridRecord record = parse_grid_record(found->second);
  const GridRecordCell& cell = grid_record_cell(record, o.x - 1, o.y - 1, o.z - 1);
  if (o.output.empty()) {
    std::printf("%s\n", cell.parameters.c_str());
    return;
  }
  check_writable(o.output, o.overwrite);
  const ParsedParameters parsed = parse_parameters(cell.parameters);
  for (const std::string& warning : parsed.warnings) std::fprintf(stderr, "note: %s\n", warning.c_str());
  Request request = parsed.request;
  request.device = o.common.device_choice();
  apply_common_options(o.common);
  Pipeline pipeline;
  const Result result = pipeline.run(request, progress_printer("cell"));
  write_png(o.output, result.images[0], {{"parameters", format_parameters(result.request, result.info, 0)}});
  std::printf("%s\n", o.output.c_str());
}

}  // namespace

void add_grid_command(CLI::App& app) {
  auto cell_options = std::make_shared<GridCellOptions>();
  CLI::App* cell = app.add_subcommand(
      "grid-cell", "A cell of a grid PNG: print its parameters, or (-o) make its image again from them");
  cell->add_option("grid", cell_options->grid, "The grid PNG")->required()->check(CLI::ExistingFile);
  cell->add_option("--x", cell_options->x, "Its column (1: the first)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cell->add_option("--y", cell_options->y, "Its row")->check(CLI::PositiveNumber)->capture_default_str();
  cell->add_option("--z", cell_options->z, "Its grid (Z value)")->check(CLI::PositiveNumber)->capture_default_str();
  cell->add_option("-o,--output", cell_options->output, "Make the cell's image again into this PNG");
  cell->add_flag("--overwrite", cell_options->overwrite, "Replace an existing file");
  add_common_options(*cell, cell_options->common);
  cell->callback([cell_options] { run_grid_cell(*cell_options); });

  auto options = std::make_shared<GridOptions>();
  auto& o = *options;
  CLI::App* cmd = app.add_subcommand(
      "grid", "A1111's X/Y/Z plot: one image per combination of the axes' values, as one labelled grid PNG");
  const std::string axis_help = "SETTING=VALUE,VALUE,… with SETTING one of " + grid_setting_names() +
                                "; numbers take ranges: 1-5, 1-10 (+3), 1-10 [4]; prompt=A,B,C replaces A by "
                                "B, then C (search/replace); a value with a comma in double quotes";
  cmd->add_option("--x", o.x, "The columns' axis: " + axis_help)->required();
  cmd->add_option("--y", o.y, "The rows' axis (optional)");
  cmd->add_option("--z", o.z, "One grid per value of this axis, side by side (optional)");
  cmd->add_option("-p,--prompt", o.request.prompt, "What to draw");
  cmd->add_option("-n,--negative-prompt", o.request.negative_prompt, "What to steer away from (with --cfg)");
  cmd->add_option("-m,--model", o.request.model, "Model")->capture_default_str();
  add_model_default_options(*cmd, o.defaults);
  add_text_and_weight_options(*cmd, o.request, o.precision);
  cmd->add_option("--seed", o.request.seed, "Seed of every cell (unless an axis sets it); -1 picks one")
      ->capture_default_str();
  cmd->add_option("-o,--output", o.output, "The grid PNG")->capture_default_str();
  cmd->add_option("--cells-dir", o.cells_dir,
                  "Also write each cell's PNG (with its own parameters) here, as cell-X-Y-Z.png");
  cmd->add_flag("--overwrite", o.overwrite, "Replace existing output files");
  add_common_options(*cmd, o.common);
  cmd->callback([options] { run_grid(*options); });
}

}  // namespace diffscope::cli
