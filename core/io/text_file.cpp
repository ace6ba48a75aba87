#include "core/io/text_file.h"

#include <fstream>
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

}  // namespace diffscope
