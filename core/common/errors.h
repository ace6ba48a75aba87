#pragma once
// Errors a user can cause (bad file, bad argument, missing model) are thrown as
// diffscope::Error with a message that says what and where; the UI and CLI show
// the message. Cancellation is a separate type so callers can tell it apart.
#include <stdexcept>
#include <string>

namespace diffscope {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown from inside a generation when its CancelToken was triggered.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace diffscope
