// diffscope-cli models list | get NAME: the curated catalog of models to
// download (resources/model-catalog.json), each verified by its SHA-256.
// Ctrl+C pauses a download; the same command resumes it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <memory>

#include "app/cli/commands.h"
#include "core/common/errors.h"
#include "core/common/system_memory.h"
#include "core/io/user_dirs.h"
#include "core/net/http_download.h"
#include "core/net/model_catalog.h"

namespace diffscope::cli {
namespace {

CancelToken& pause_token() {
  static CancelToken token;
  return token;
}

extern "C" void on_pause(int) { pause_token().cancel(); }

std::filesystem::path data_dir_or(const std::string& asked) {
  if (!asked.empty()) return asked;
  const std::filesystem::path data = user_data_dir();
  if (data.empty()) throw Error("no data folder (HOME is not set): give one with --dir");
  return data;
}

void list_models(const std::string& dir) {
  const auto catalog = load_model_catalog();
  const std::filesystem::path data = data_dir_or(dir);
  for (const CatalogEntry& e : catalog) {
    const auto path = catalog_destination(e, data);
    std::error_code error;
    const char* state = std::filesystem::exists(path, error)                 ? "installed"
                        : std::filesystem::exists(partial_path(path), error) ? "paused"
                                                                             : "";
    std::printf("%-14s %-10s %-10s %-8s %s%s%s\n  %s\n  licence: %s%s — %s\n", e.name.c_str(), e.kind.c_str(),
                e.family.c_str(), e.size.c_str(), e.title.c_str(), state[0] ? ", " : "", state, e.good_for.c_str(),
                e.licence.c_str(), e.accept ? " (to be accepted)" : "", e.licence_url.c_str());
  }
}

void get_model(const std::string& name, const std::string& dir, bool accepted) {
  const auto catalog = load_model_catalog();
  const CatalogEntry& e = find_catalog_entry(catalog, name);
  if (e.accept && !accepted) {
    throw Error(e.title + " comes under the " + e.licence + " (" + e.licence_url +
                "). Read it; if you accept it, run this again with --accept-licence");
  }
  const auto destination = catalog_destination(e, data_dir_or(dir));
  std::signal(SIGINT, on_pause);
  std::signal(SIGTERM, on_pause);
  const bool terminal = isatty(STDERR_FILENO) != 0;
  int last_percent = -1;
  const auto progress = [&](const DownloadProgress& p) {
    const int percent = p.total ? static_cast<int>(100 * p.done / p.total) : 0;
    if (!terminal && percent / 5 == last_percent / 5) return;
    last_percent = percent;
    std::fprintf(stderr, "%s%s: %d %% (%s of %s), %s/s%s%s", terminal ? "\r" : "", e.name.c_str(), percent,
                 format_bytes(p.done).c_str(), p.total ? format_bytes(p.total).c_str() : "?",
                 format_bytes(static_cast<uint64_t>(p.bytes_per_second)).c_str(),
                 p.eta_seconds >= 0 ? (", " + std::to_string(static_cast<int>(p.eta_seconds)) + " s left").c_str() : "",
                 terminal ? "   " : "\n");
  };
  const DownloadEnd end = download_file({e.url, destination, e.sha256}, progress, {}, pause_token());
  if (end == DownloadEnd::Paused) {
    std::fprintf(stderr, "\npaused; the same command resumes it (%s)\n", partial_path(destination).c_str());
    return;
  }
  std::fprintf(stderr, "%sverified (SHA-256 %s)\n", terminal ? "\n" : "", e.sha256.c_str());
  std::printf("%s\n", destination.c_str());
}

}  // namespace

void add_models_command(CLI::App& app) {
  CLI::App* models = app.add_subcommand("models", "List and download models of the curated catalog");
  models->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  models->add_option("--dir", *dir, "Data folder (default ~/.local/share/diffscope): models/, loras/, taesd/");
  CLI::App* list = models->add_subcommand("list", "What can be downloaded, its licence, and what is installed");
  list->fallthrough();  // --dir may follow the subcommand
  list->callback([dir] { list_models(*dir); });
  CLI::App* get = models->add_subcommand("get", "Download a model, verify it, and print where it is");
  auto name = std::make_shared<std::string>();
  auto accepted = std::make_shared<bool>(false);
  get->add_option("name", *name, "Its name in `models list`")->required();
  get->add_flag("--accept-licence", *accepted, "Accept the model's licence (shown by `models list`)");
  get->fallthrough();
  get->callback([dir, name, accepted] { get_model(*name, *dir, *accepted); });
}

}  // namespace diffscope::cli
