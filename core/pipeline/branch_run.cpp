#include "core/pipeline/branch_run.h"

#include <algorithm>

#include "core/common/errors.h"
#include "core/pipeline/branch.h"
#include "core/sampling/sampler.h"
#include "core/sampling/variation_noise.h"
#include "core/text/prompt_schedule.h"

namespace diffscope {
namespace {

// The denoisers of the current step's model calls, in call order (a step
// that calls more often than foreseen keeps its last).
class CallDenoiser : public Denoiser {
 public:
  void begin_step(const std::vector<Denoiser*>* calls) {
    calls_ = calls;
    next_ = 0;
  }
  at::Tensor denoise(const at::Tensor& x, double sigma) override {
    Denoiser* denoiser = current();
    ++next_;
    return denoiser->denoise(x, sigma);
  }
  double timestep(double sigma) const override { return (*calls_)[0]->timestep(sigma); }

 private:
  Denoiser* current() const { return (*calls_)[std::min(next_, calls_->size() - 1)]; }
  const std::vector<Denoiser*>* calls_ = nullptr;
  size_t next_ = 0;
};

bool same_sampling(const Request& a, const Request& b) {
  return a.sampler == b.sampler && a.eta == b.eta && a.ddpm_variance == b.ddpm_variance;
}

// Where each branch's settings start.
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
  std::vector<ChainSegment> segments = branch_segments(request);
  while (segments.size() > 1 && segments.back().begin >= run_steps) segments.pop_back();
  return segments;
}

std::vector<std::vector<CallConditioning>> call_conditioning(const std::vector<ChainSegment>& segments,
                                                             const std::vector<double>& sigmas) {
  const int total = static_cast<int>(sigmas.size()) - 1;
  std::vector<std::vector<CallConditioning>> steps(static_cast<size_t>(std::max(0, total)));
  if (segments.empty()) return steps;
  size_t segment = 0;
  for (int step = 0; step < total; ++step) {
    while (segment + 1 < segments.size() && segments[segment + 1].begin <= step) ++segment;
    const Request& settings = segments[segment].settings;
    const int per_step = sampler_info(settings.sampler).evaluations_per_step;
    // A second-order step to σ = 0 is plain Euler: one call.
    const int here = per_step > 1 && sigmas[size_t(step) + 1] == 0.0 ? 1 : per_step;
    // img2img names more steps than it runs: A1111 schedules over the named.
    const int calls = std::max(1, settings.steps) * per_step;
    // Calls counted as A1111's denoiser counts them, as if the whole chain had
    // run with this segment's sampler: a branch with the parent's sampler
    // continues the parent's count, one with another sampler reads its
    // prompt as a fresh run with that sampler would.
    for (int k = 0, call = step * per_step; k < here; ++k, ++call) {
      steps[size_t(step)].push_back({segment, prompt_at_call(settings.prompt, call, calls),
                                     prompt_at_call(settings.negative_prompt, call, calls)});
    }
  }
  return steps;
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
  // One denoiser (one text encoding) per distinct conditioning, made before
  // the first step: alternation switches between a few every call.
  std::vector<std::unique_ptr<Denoiser>> made;
  std::vector<Request> made_for;
  std::vector<std::vector<Denoiser*>> by_step;
  for (const std::vector<CallConditioning>& calls : call_conditioning(segments, sigmas)) {
    by_step.emplace_back();
    for (const CallConditioning& call : calls) {
      Request settings = segments[call.segment].settings;
      settings.prompt = call.prompt;
      settings.negative_prompt = call.negative_prompt;
      size_t found = 0;
      while (found < made.size() && !(made_for[found].prompt == settings.prompt &&
                                      made_for[found].negative_prompt == settings.negative_prompt &&
                                      made_for[found].cfg_scale == settings.cfg_scale)) {
        ++found;
      }
      if (found == made.size()) {
        made.push_back(make_denoiser(settings));
        made_for.push_back(settings);
      }
      by_step.back().push_back(made[found].get());
    }
  }
  CallDenoiser active;
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
    // Before each step's first model call: its calls' conditioning; at a
    // segment's first step also its own noise stream where its seed differs.
    run.options.before_step = [&, begin, pass_first, pass_last](int i) {
      active.begin_step(&by_step[size_t(begin + i)]);
      for (size_t s = std::max<size_t>(pass_first, 1); s <= pass_last; ++s) {
        if (segments[s].begin == begin + i && segments[s].settings.seed != segments[s - 1].settings.seed) {
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
