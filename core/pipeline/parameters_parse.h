#pragma once
// Reads an AUTOMATIC1111-style "parameters" text (ours or A1111's) back into a
// Request, so that dropping a PNG on the app restores its settings.
#include <map>
#include <string>
#include <vector>

#include "core/pipeline/request.h"

namespace diffscope {

struct ParsedParameters {
  Request request;                            // defaults where the text is silent
  std::map<std::string, std::string> fields;  // every "Key: value" of the last line, unquoted
  std::vector<std::string> warnings;          // values we could not use, e.g. an unknown sampler
};

// Error when the text has no "Steps: …" line (not generation parameters).
ParsedParameters parse_parameters(const std::string& text);

// Inverse of quote_parameter_value: a JSON-quoted value is unquoted, others trimmed.
std::string unquote_parameter_value(const std::string& value);

}  // namespace diffscope
