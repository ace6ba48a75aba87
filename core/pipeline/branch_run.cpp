#include "core/pipeline/branch_run.h"

#include "core/common/errors.h"
#include "core/pipeline/branch.h"
#include "core/sampling/sampler.h"
#include "core/sampling/variation_noise.h"
#include "core/text/prompt_schedule.h"

namespace diffscope {
namespace {

// The denoiser of whichever segment the pass is in.
class SegmentDenoiser : public Denoiser {
 public:
  void use(Denoiser* denoiser) { current_ = denoiser; }
  at::Tensor denoise(const at::Tensor& x, double sigma) override { return current_->denoise(x, sigma); }
  double timestep(double sigma) const override { return current_->timestep(sigma); }

 private:
  Denoiser* current_ = nullptr;
};

bool same_sampling(const Request& a, const Request& b) {
  return a.sampler == b.sampler && a.eta == b.eta && a.ddpm_variance == b.ddpm_variance;
}

}  // namespace

namespace {

// Where each branch's settings start, before prompt editing is expanded.
std::vector<ChainSegment> branch_segments(const Request& request) {
  if (!request.branch) return {{0, request}};
  std::vector<ChainSegment> segments = branch_segments(*request.branch->parent);
  const int at = request.branch->at_step;
  while (!segments.empty() && segments.back().begin >= at) segments.pop_back();
  segments.push_back({at, request});
  return segments;
}

}  // namespace

std::vector<ChainSegment> chain_segments(const Request& request, int run_steps) {
  std::vector<ChainSegment> by_branch = branch_segments(request);
  while (by_branch.size() > 1 && by_branch.back().begin >= run_steps) by_branch.pop_back();
  std::vector<ChainSegment> segments;
  for (size_t b = 0; b < by_branch.size(); ++b) {
    const Request& settings = by_branch[b].settings;
    if (!has_prompt_schedule(settings.prompt) && !has_prompt_schedule(settings.negative_prompt)) {
      segments.push_back(by_branch[b]);
      continue;
    }
    // A new segment wherever the prompt as read changes; "when" counts the
    // steps of the run the prompt belongs to.
    // (img2img runs fewer steps than it names: "when" counts the steps run.)
    const int end = b + 1 < by_branch.size() ? by_branch[b + 1].begin : run_steps;
    const int steps = settings.init_image.empty() ? settings.steps : run_steps;
    for (int step = by_branch[b].begin; step < end; ++step) {
      Request at = settings;
      at.prompt = prompt_at_step(settings.prompt, step + 1, steps);
      at.negative_prompt = prompt_at_step(settings.negative_prompt, step + 1, steps);
      const bool same = !segments.empty() && segments.back().begin >= by_branch[b].begin &&
                        segments.back().settings.prompt == at.prompt &&
                        segments.back().settings.negative_prompt == at.negative_prompt;
      if (!same) segments.push_back({step, at});
    }
  }
  return segments;
}

at::Tensor run_segments(at::Tensor x, const std::vector<ChainSegment>& segments, const std::vector<double>& sigmas,
                        const DenoiserFactory& make_denoiser, NoiseSource& noise, int batch,
                        const StepCallback& on_step, const CancelToken& cancel) {
  const int total = static_cast<int>(sigmas.size()) - 1;
  if (segments.empty() || segments.front().begin != 0) throw Error("a chain's first segment starts at step 1");
  for (size_t s = 1; s < segments.size(); ++s) {
    if (segments[s].begin <= segments[s - 1].begin || segments[s].begin >= total) {
      throw Error("a chain's segments must start at increasing steps within the run");
    }
  }
  // One denoiser (one text encoding) per distinct conditioning: alternation
  // switches between a few every step.
  std::vector<std::unique_ptr<Denoiser>> made;
  std::vector<Denoiser*> denoisers;
  for (size_t s = 0; s < segments.size(); ++s) {
    const Request& settings = segments[s].settings;
    Denoiser* found = nullptr;
    for (size_t earlier = 0; earlier < s && found == nullptr; ++earlier) {
      const Request& other = segments[earlier].settings;
      if (other.prompt == settings.prompt && other.negative_prompt == settings.negative_prompt &&
          other.cfg_scale == settings.cfg_scale) {
        found = denoisers[earlier];
      }
    }
    if (found == nullptr) {
      made.push_back(make_denoiser(settings));
      found = made.back().get();
    }
    denoisers.push_back(found);
  }
  SegmentDenoiser active;
  size_t pass_first = 0;
  while (pass_first < segments.size()) {
    size_t pass_last = pass_first;  // consecutive segments with one sampler: one pass
    while (pass_last + 1 < segments.size() &&
           same_sampling(segments[pass_last + 1].settings, segments[pass_first].settings)) {
      ++pass_last;
    }
    const int begin = segments[pass_first].begin;
    const int end = pass_last + 1 < segments.size() ? segments[pass_last + 1].begin : total;
    const Request& settings = segments[pass_first].settings;
    SampleRun run{active, std::vector<double>(sigmas.begin() + begin, sigmas.begin() + end + 1), &noise, {}, cancel,
                  {}};
    run.options.eta = settings.eta;
    run.options.ddpm_variance = settings.ddpm_variance;
    // At a segment's first step, before its model call and its noise: its
    // conditioning, and its own noise stream where its seed differs.
    run.options.before_step = [&, begin, pass_first, pass_last](int i) {
      for (size_t s = pass_first; s <= pass_last; ++s) {
        if (segments[s].begin != begin + i) continue;
        active.use(denoisers[s]);
        if (s > 0 && segments[s].settings.seed != segments[s - 1].settings.seed) {
          noise.reseed(batch_seeds(segments[s].settings.seed, batch, {}));
        }
      }
    };
    run.on_step = [&, begin](const StepEvent& event) {
      if (!on_step) return;
      StepEvent shifted = event;
      shifted.index += begin;
      shifted.total = total;
      on_step(shifted);
    };
    x = run_sampler(sampler_info(settings.sampler), std::move(x), run);
    pass_first = pass_last + 1;
  }
  return x;
}

}  // namespace diffscope
