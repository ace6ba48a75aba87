#include "app/cli/text_options.h"

#include <CLI/CLI.hpp>

#include "app/cli/cli_common.h"
#include "core/common/precision.h"
#include "core/pipeline/request_limits.h"

namespace diffscope::cli {

void add_text_and_weight_options(CLI::App& cmd, Request& request, std::string& precision) {
  cmd.add_option("--lora-dir", request.lora_dirs,
                 "A folder of LoRAs for <lora:NAME:WEIGHT> in the prompt (repeatable; searched before the "
                 "checkpoint's folder and the user's data folder)");
  cmd.add_option("--embeddings-dir", request.embedding_dirs,
                 "A folder of textual-inversion embeddings, NAME.safetensors/.pt/.bin used where a prompt writes NAME "
                 "(repeatable; searched before embeddings/ beside the checkpoint and the user's data folder)");
  cmd.add_option("--vae", request.vae, "Stable Diffusion: a VAE file in place of the checkpoint's own");
  cmd.add_option("--tokenizer", request.tokenizer,
                 "Stable Diffusion: CLIP tokenizer folder (vocab.json + merges.txt) or bpe_simple_vocab_16e6.txt.gz");
  cmd.add_flag("--as-written", request.prompt_as_written,
               "Built-in model: read the prompt's own words, not the training caption nearest to them");
  cmd.add_option("--clip-skip", request.clip_skip, "Stable Diffusion: condition on a text layer this many from the end")
      ->check(CLI::Range(limits::kMinClipSkip, limits::kMaxClipSkip))
      ->capture_default_str();
  cmd.add_option("--precision", precision,
                 "auto (CUDA: float16; CPU: bfloat16 where it has bf16 instructions, else float32), float32 "
                 "(reference), bfloat16 or float16")
      ->check(parsed_by([](const std::string& name) { parse_precision(name); }, "PRECISION"))
      ->capture_default_str();
}

}  // namespace diffscope::cli
