#include "core/evaluation/held_out_prompts.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/common/errors.h"

namespace diffscope::evaluation {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t begin = 0;
  for (size_t at = text.find(separator); at != std::string::npos; at = text.find(separator, begin)) {
    parts.push_back(text.substr(begin, at - begin));
    begin = at + 1;
  }
  parts.push_back(text.substr(begin));
  return parts;
}

void count(GroupScore& score, const HeldOutRun& run) {
  ++score.runs;
  score.hits += run.hit;
  score.coarse_hits += run.coarse_hit;
}

}  // namespace

std::vector<HeldOutPrompt> read_held_out_prompts(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the held-out prompts " + path.string());
  std::vector<HeldOutPrompt> prompts;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string> fields = split(line, '\t');
    const auto where = path.filename().string() + " line " + std::to_string(number);
    if (fields.size() != 3) throw Error(where + ": expected GROUP, PROMPT and TARGETS separated by tabs");
    HeldOutPrompt prompt{fields[0], fields[1], split(fields[2], '|')};
    const bool blank_target =
        std::any_of(prompt.targets.begin(), prompt.targets.end(), [](const std::string& t) { return t.empty(); });
    if (prompt.group.empty() || prompt.prompt.empty() || blank_target) throw Error(where + ": an empty field");
    prompts.push_back(std::move(prompt));
  }
  if (prompts.empty()) throw Error(path.string() + " holds no prompts");
  return prompts;
}

at::Tensor coarse_images(const at::Tensor& images) {
  const at::Tensor nchw = images.to(at::kFloat).permute({0, 3, 1, 2});
  return at::adaptive_avg_pool2d(nchw, {16, 16}).permute({0, 2, 3, 1}).contiguous();
}

HeldOutReport evaluate_held_out(LdmBundle& bundle, const EmojiPairs& pairs, const std::vector<HeldOutPrompt>& prompts,
                                int seeds, const EvaluationOptions& options, const EvaluationProgress& progress) {
  const std::set<std::string> names(pairs.names.begin(), pairs.names.end());
  for (const HeldOutPrompt& prompt : prompts) {
    for (const std::string& target : prompt.targets) {
      if (names.count(target) == 0)
        throw Error("\"" + prompt.prompt + "\" asks for '" + target + "', no emoji of the data set");
    }
  }
  HeldOutReport report;
  report.prompts = prompts;
  report.seeds = std::max(1, seeds);
  report.overall.group = "overall";
  const NearestImages pixels(pairs.images), coarse(coarse_images(pairs.images));
  const auto target_among = [&](const std::vector<int64_t>& nearest, const HeldOutPrompt& prompt) {
    return std::any_of(nearest.begin(), nearest.end(), [&](int64_t i) {
      const std::string& name = pairs.names[static_cast<size_t>(i)];
      return std::find(prompt.targets.begin(), prompt.targets.end(), name) != prompt.targets.end();
    });
  };
  std::map<std::string, size_t> group_index;
  const int total = static_cast<int>(prompts.size()) * report.seeds;
  for (size_t p = 0; p < prompts.size(); ++p) {
    const HeldOutPrompt& prompt = prompts[p];
    auto [entry, added] = group_index.emplace(prompt.group, report.groups.size());
    if (added) report.groups.push_back(GroupScore{prompt.group});
    GroupScore& group = report.groups[entry->second];
    report.unknown_words.push_back(bundle.unknown_words(prompt.prompt));
    const bool unknown = !report.unknown_words.back().empty();
    ++group.prompts;
    ++report.overall.prompts;
    group.prompts_with_unknown_words += unknown;
    report.overall.prompts_with_unknown_words += unknown;
    for (int s = 0; s < report.seeds; ++s) {
      const at::Tensor image = generate_image(bundle, options.sampling, prompt.prompt, s);
      HeldOutRun run{p, s};
      run.hit = target_among(pixels.nearest(image, options.top_k), prompt);
      run.coarse_hit = target_among(coarse.nearest(coarse_images(image.unsqueeze(0))[0], options.top_k), prompt);
      count(group, run);
      count(report.overall, run);
      report.runs.push_back(run);
      if (progress) progress("held-out prompts", static_cast<int>(report.runs.size()), total);
    }
  }
  return report;
}

std::string held_out_json(const HeldOutReport& report, const EvaluationOptions& options) {
  const auto score_json = [](const GroupScore& g) {
    return nlohmann::json{{"group", g.group},
                          {"prompts", g.prompts},
                          {"runs", g.runs},
                          {"hit_rate", g.runs ? double(g.hits) / g.runs : 0.0},
                          {"coarse_hit_rate", g.runs ? double(g.coarse_hits) / g.runs : 0.0},
                          {"prompts_with_unknown_words", g.prompts_with_unknown_words}};
  };
  nlohmann::json groups = nlohmann::json::array(), runs = nlohmann::json::array();
  for (const GroupScore& g : report.groups) groups.push_back(score_json(g));
  for (const HeldOutRun& r : report.runs) {
    const HeldOutPrompt& prompt = report.prompts[r.prompt];
    runs.push_back({{"group", prompt.group},
                    {"prompt", prompt.prompt},
                    {"seed", r.seed},
                    {"hit", r.hit},
                    {"coarse_hit", r.coarse_hit},
                    {"unknown_words", report.unknown_words[r.prompt]}});
  }
  const nlohmann::json j = {{"top_k", options.top_k},
                            {"seeds", report.seeds},
                            {"sampling",
                             {{"sampler", options.sampling.sampler},
                              {"steps", options.sampling.steps},
                              {"cfg_scale", options.sampling.cfg_scale.value_or(-1)},
                              {"prompt_as_written", options.sampling.prompt_as_written}}},
                            {"overall", score_json(report.overall)},
                            {"groups", groups},
                            {"runs", runs}};
  return j.dump(1) + "\n";
}

}  // namespace diffscope::evaluation
