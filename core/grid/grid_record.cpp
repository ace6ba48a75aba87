#include "core/grid/grid_record.h"

#include <nlohmann/json.hpp>

#include "core/common/errors.h"

namespace diffscope {
namespace {

using nlohmann::json;

json axis_json(const GridRecordAxis& axis) { return {{"axis", axis.title}, {"values", axis.labels}}; }

GridRecordAxis parse_axis(const json& whole, const char* name) {
  GridRecordAxis axis;
  if (!whole.contains(name)) return axis;
  const json& value = whole.at(name);
  if (!value.is_object() || !value.contains("axis") || !value.at("axis").is_string() || !value.contains("values") ||
      !value.at("values").is_array()) {
    throw Error(std::string("grid record: its ") + name + " axis is not {\"axis\": …, \"values\": […]}");
  }
  axis.title = value.at("axis").get<std::string>();
  for (const json& label : value.at("values")) {
    if (!label.is_string()) throw Error(std::string("grid record: a value of its ") + name + " axis is not text");
    axis.labels.push_back(label.get<std::string>());
  }
  return axis;
}

size_t index_of(const json& cell, const char* name, size_t count) {
  if (!cell.contains(name) || !cell.at(name).is_number_unsigned() || cell.at(name).get<uint64_t>() >= count) {
    throw Error(std::string("grid record: a cell's ") + name + " is not a column, row or page of the grid");
  }
  return static_cast<size_t>(cell.at(name).get<uint64_t>());
}

}  // namespace

GridRecordAxis grid_record_axis(const std::optional<GridAxis>& axis) {
  GridRecordAxis record;
  if (!axis) return record;
  record.title = axis->title();
  for (size_t i = 0; i < axis->values.size(); ++i) record.labels.push_back(axis->label(i));
  return record;
}

std::string grid_cell_label(const GridRecord& record, size_t x, size_t y, size_t z) {
  std::string label;
  const std::pair<const GridRecordAxis*, size_t> axes[] = {{&record.x, x}, {&record.y, y}, {&record.z, z}};
  for (const auto& [axis, index] : axes) {
    if (axis->title.empty() || index >= axis->labels.size()) continue;
    label += (label.empty() ? "" : ", ") + axis->labels[index];
  }
  return label;
}

std::string format_grid_record(const GridRecord& record) {
  json whole = json::object();
  const std::pair<const char*, const GridRecordAxis*> axes[] = {{"x", &record.x}, {"y", &record.y}, {"z", &record.z}};
  for (const auto& [name, axis] : axes) {
    if (!axis->title.empty()) whole[name] = axis_json(*axis);
  }
  json cells = json::array();
  for (const GridRecordCell& cell : record.cells) {
    cells.push_back({{"x", cell.x}, {"y", cell.y}, {"z", cell.z}, {"parameters", cell.parameters}});
  }
  whole["cells"] = cells;
  return whole.dump();
}

GridRecord parse_grid_record(const std::string& text) {
  const json whole = json::parse(text, nullptr, false);
  if (whole.is_discarded() || !whole.is_object()) throw Error("grid record: not a JSON object");
  GridRecord record;
  record.x = parse_axis(whole, "x");
  record.y = parse_axis(whole, "y");
  record.z = parse_axis(whole, "z");
  const auto count = [](const GridRecordAxis& axis) { return axis.title.empty() ? size_t(1) : axis.labels.size(); };
  if (!whole.contains("cells") || !whole.at("cells").is_array()) throw Error("grid record: no list of cells");
  for (const json& cell : whole.at("cells")) {
    if (!cell.is_object() || !cell.contains("parameters") || !cell.at("parameters").is_string()) {
      throw Error("grid record: a cell has no parameters");
    }
    record.cells.push_back({index_of(cell, "x", count(record.x)), index_of(cell, "y", count(record.y)),
                            index_of(cell, "z", count(record.z)), cell.at("parameters").get<std::string>()});
  }
  return record;
}

const GridRecordCell& grid_record_cell(const GridRecord& record, size_t x, size_t y, size_t z) {
  for (const GridRecordCell& cell : record.cells) {
    if (cell.x == x && cell.y == y && cell.z == z) return cell;
  }
  const auto count = [](const GridRecordAxis& axis) { return axis.title.empty() ? size_t(1) : axis.labels.size(); };
  throw Error("the grid has no cell " + std::to_string(x + 1) + "," + std::to_string(y + 1) + "," +
              std::to_string(z + 1) + " (it has " + std::to_string(count(record.x)) + " × " +
              std::to_string(count(record.y)) + " × " + std::to_string(count(record.z)) + ")");
}

}  // namespace diffscope
