// The "DiffScope grid" text of a grid PNG (a stranger's file): its axes and
// every cell's parameters, as restoring a cell reads them.
#include "core/grid/grid_record.h"
#include "core/pipeline/parameters_parse.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace diffscope;
  const std::string text(fuzz::as_text(data, size));
  fuzz::expect_clean([&] {
    const GridRecord record = parse_grid_record(text);
    if (record.cells.empty()) return;
    const GridRecordCell& cell = grid_record_cell(record, record.cells.back().x, 0, record.cells.back().z);
    (void)parse_parameters(cell.parameters);
    (void)format_grid_record(record);
  });
  return 0;
}
