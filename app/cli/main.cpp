// diffscope-cli: the engine from the command line.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli/commands.h"
#include "core/common/blas_kernels.h"
#include "core/common/errors.h"

int main(int argc, char** argv) {
  diffscope::ensure_fast_blas_kernels(argv);
  CLI::App app{"DiffScope: watch latent diffusion denoise, step by step"};
  app.name("diffscope-cli");
  app.set_version_flag("--version", "diffscope-cli " DIFFSCOPE_VERSION);
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::help);  // bad arguments print the usage
  diffscope::cli::add_generate_command(app);
  diffscope::cli::add_grid_command(app);
  diffscope::cli::add_forward_command(app);
  diffscope::cli::add_bench_command(app);
  diffscope::cli::add_train_command(app);
  diffscope::cli::add_distill_preview_command(app);
  diffscope::cli::add_name_aliases_command(app);
  diffscope::cli::add_evaluate_command(app);
  diffscope::cli::add_info_commands(app);
#ifdef DIFFSCOPE_DOWNLOADS
  diffscope::cli::add_models_command(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const diffscope::Cancelled&) {
    std::fprintf(stderr, "\ncancelled\n");
    return 130;
  } catch (const diffscope::Error& e) {
    std::fprintf(stderr, "\nerror: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\ninternal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
