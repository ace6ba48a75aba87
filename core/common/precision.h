#pragma once
// The compute precision a request asks for, parsed from its name at the edge
// (CLI argument, widget, PNG parameters); resolve_precision (model_info.h)
// turns it into a dtype for one model on one device.
#include <string>
#include <vector>

namespace diffscope {

enum class Precision { Auto, Float32, BFloat16, Float16 };

// "auto", "float32", "bfloat16", "float16"; Error listing them otherwise.
Precision parse_precision(const std::string& name);
std::string precision_name(Precision precision);
const std::vector<std::string>& precision_names();

}  // namespace diffscope
