#pragma once
// AUTOMATIC1111's prompt editing and alternation: "[from:to:when]" reads
// `from` up to step `when` and `to` after it ("[to:when]" adds, "[from::when]"
// removes); `when` with a decimal point is a fraction of the steps, else a
// step number. "[a|b|c]" takes a, b, c, a, … at successive steps. Both nest.
// Any other bracket (A1111's de-emphasis "[word]") and escaped brackets stay
// as written for the emphasis parser; text this grammar cannot read is taken
// literally, as A1111 does.
#include <string>

namespace diffscope {

// Whether `prompt` changes from step to step.
bool has_prompt_schedule(const std::string& prompt);

// The prompt as A1111's schedule has it at `step` (1-based) of `steps`.
std::string prompt_at_step(const std::string& prompt, int step, int steps);

// The prompt model call `call` reads (0-based, counted from the run's first
// call) in a run of `calls`: A1111 schedules over its sampler's expected calls
// (steps × 2 for a second-order sampler such as Heun, whose corrector counts)
// and conditions each call on the first schedule entry ending at or after its
// call counter, which starts at 0 — so calls 0 and 1 both read step 1's prompt
// and "[a:b:5]" reads a for six calls.
std::string prompt_at_call(const std::string& prompt, int call, int calls);

}  // namespace diffscope
