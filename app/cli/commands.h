#pragma once
// Each subcommand registers itself on the main CLI::App.
namespace CLI {
class App;
}

namespace diffscope::cli {

void add_generate_command(CLI::App& app);
void add_grid_command(CLI::App& app);  // A1111's X/Y/Z plot
void add_forward_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_distill_preview_command(CLI::App& app);
void add_name_aliases_command(CLI::App& app);  // CLDR names into a trained model
void add_evaluate_command(CLI::App& app);
void add_info_commands(CLI::App& app);   // samplers, inspect, dataset
void add_models_command(CLI::App& app);  // where libcurl is (DIFFSCOPE_DOWNLOADS)

}  // namespace diffscope::cli
