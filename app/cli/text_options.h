#pragma once
// The options `generate` and `grid` share for how the prompt is read and
// which weights read it: LoRA folders, a VAE, a tokenizer, the built-in
// model's --as-written, clip skip and the precision.
#include <string>

#include "core/pipeline/request.h"

namespace CLI {
class App;
}

namespace diffscope::cli {

// --lora-dir, --vae, --tokenizer, --as-written, --clip-skip and --precision
// (its name is kept in `precision` as typed and checked by parse_precision).
void add_text_and_weight_options(CLI::App& command, Request& request, std::string& precision);

}  // namespace diffscope::cli
