#pragma once
// Splits the last line of an A1111 "parameters" text into its "Key: value"
// pairs. A hand-written scanner, linear in the line's length: libstdc++'s
// std::regex recurses once per character and overflowed the stack on a 30 KB
// value in a stranger's PNG (a fuzzing finding, docs/RELIABILITY.md).
#include <map>
#include <string>

namespace diffscope {

// Keys are a word character followed by word characters, spaces, '-' or '/'
// (trimmed); a value is either JSON-quoted (kept with its quotes, for
// unquote_parameter_value) when its closing quote is followed by ',' or the
// end of the line, or else everything up to the next ','. Text that is not a
// pair is skipped; a later key repeats overwrite earlier ones.
std::map<std::string, std::string> split_parameter_fields(const std::string& line);

}  // namespace diffscope
