#pragma once
// Branching a run at a step (issue 20): the parent's first `at_step` steps are
// replayed exactly, then the run continues from that step's x_t with what a
// branch may change — prompt, negative prompt, CFG, sampler (and its η),
// the number of steps, and the seed of the noise still to come. Everything
// else (model, size, batch, schedule, spacing, precision, the starting noise)
// is the parent's.
#include <memory>
#include <vector>

namespace diffscope {

struct Request;
class NoiseSchedule;

struct BranchPoint {
  std::shared_ptr<const Request> parent;  // the run branched from (itself possibly a branch)
  int at_step = 0;                        // the parent's steps 0..at_step−1 are shared
};

// `request` with everything a branch cannot change taken from its parent;
// `request` itself where it is no branch. Error for a branch point outside
// the parent's steps or a branch with no step left to run.
Request with_parent_settings(const Request& request);

// The first run of a chain of branches (whose seed drew x_T); `request` where
// it is no branch.
const Request& chain_root(const Request& request);

// The σ list a branch runs over (n + 1 levels), the parent's up to σ of step
// at_step: unchanged where the branch keeps the parent's step count; else
// its remaining steps spaced evenly in log σ from there down to the parent's
// smallest σ above 0 (then 0, where the parent ends at 0).
std::vector<double> branch_sigmas(const std::vector<double>& parent_sigmas, int at_step, int steps);

}  // namespace diffscope
