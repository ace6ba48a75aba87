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

// The prompt as the text encoder reads it at `step` (1-based) of `steps`.
std::string prompt_at_step(const std::string& prompt, int step, int steps);

}  // namespace diffscope
