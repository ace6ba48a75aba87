#include "core/io/text_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/common/errors.h"

namespace diffscope {

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + what + " " + path.string());
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(what + " " + path.string() + " is not valid JSON");
  return j;
}

}  // namespace diffscope
