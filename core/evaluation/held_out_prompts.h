#pragma once
// The built-in model's held-out prompt set (resources/evaluation/
// held-out-prompts.tsv): prompts in people's own words — paraphrases, word
// order and plurals, style phrasings, unknown words, other languages — each
// naming the emoji it asks for. Never trained or tuned on; the evaluation
// reports every group on its own.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/data/emoji_pairs.h"
#include "core/evaluation/model_evaluation.h"
#include "core/models/ldm/ldm_bundle.h"

namespace diffscope::evaluation {

struct HeldOutPrompt {
  std::string group;  // e.g. "description", "zh"
  std::string prompt;
  std::vector<std::string> targets;  // emoji names; any of them is a hit
};

// Reads GROUP <tab> PROMPT <tab> TARGET[|TARGET…] lines ('#' starts a
// comment line); a malformed line is an Error naming its number.
std::vector<HeldOutPrompt> read_held_out_prompts(const std::filesystem::path& path);

struct HeldOutRun {
  size_t prompt = 0;  // index into the prompt list
  int64_t seed = 0;
  bool hit = false;         // a target's image among the top k (pixels)
  bool coarse_hit = false;  // the same on 16×16 box-filtered images
};

struct GroupScore {
  std::string group;
  int prompts = 0, runs = 0, hits = 0, coarse_hits = 0;
  int prompts_with_unknown_words = 0;
};

struct HeldOutReport {
  std::vector<HeldOutPrompt> prompts;
  std::vector<std::vector<std::string>> unknown_words;  // per prompt, as the model reads it
  std::vector<HeldOutRun> runs;
  std::vector<GroupScore> groups;  // in the file's order
  GroupScore overall;
  int seeds = 0;
};

// Images reduced to 16×16 by box filtering, as float (N, 16, 16, 3): the
// perceptual check compares shape and colour layout, not fine detail.
at::Tensor coarse_images(const at::Tensor& images);

// Generates every prompt with seeds 0 … seeds−1; a target that names no emoji
// of the data set is an Error naming it, before anything is generated.
HeldOutReport evaluate_held_out(LdmBundle& bundle, const EmojiPairs& pairs, const std::vector<HeldOutPrompt>& prompts,
                                int seeds, const EvaluationOptions& options, const EvaluationProgress& progress = {});

// The report as JSON (groups, overall, every run).
std::string held_out_json(const HeldOutReport& report, const EvaluationOptions& options);

}  // namespace diffscope::evaluation
