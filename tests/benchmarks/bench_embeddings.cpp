// What textual inversions cost a run: the look through the embedding folders
// that every SD/SDXL run makes when it loads (scan_embeddings: headers of
// .safetensors, whole torch.save files read as data), and reading one
// A1111 .pt (8 vectors × 768) alone. The folder is
// $DIFFSCOPE_BENCH_EMBEDDINGS (e.g. 100 .pt and 100 .safetensors files, as in
// docs/PERFORMANCE.md); without it only what needs no files runs.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "core/io/torch_pickle.h"
#include "core/models/adapters/embedding_folders.h"

namespace {

std::filesystem::path folder() {
  const char* dir = std::getenv("DIFFSCOPE_BENCH_EMBEDDINGS");
  return dir ? std::filesystem::path(dir) : std::filesystem::path();
}

void scan_folder(benchmark::State& state) {
  if (folder().empty()) return state.SkipWithError("set DIFFSCOPE_BENCH_EMBEDDINGS to a folder of embeddings");
  size_t found = 0;
  for (auto _ : state) found = diffscope::scan_embeddings({folder()}).files.size();
  state.counters["embeddings"] = static_cast<double>(found);
}

void read_one_pt(benchmark::State& state) {
  std::filesystem::path first;
  for (const auto& entry : std::filesystem::directory_iterator(folder().empty() ? "." : folder())) {
    if (entry.path().extension() == ".pt") {
      first = entry.path();
      break;
    }
  }
  if (first.empty()) return state.SkipWithError("no .pt file in $DIFFSCOPE_BENCH_EMBEDDINGS");
  for (auto _ : state) benchmark::DoNotOptimize(diffscope::TorchPickle::open(first, 64ull << 20));
}

}  // namespace

BENCHMARK(scan_folder)->Unit(benchmark::kMillisecond);
BENCHMARK(read_one_pt)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
