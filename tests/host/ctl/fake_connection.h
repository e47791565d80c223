#pragma once

// A scripted ControlConnection: answers calls from a queue, hands out queued messages on
// receive(), and records everything sent, so the runner and the tail loop are tested without a
// node (and without waiting: an empty queue answers at once).

#include <deque>
#include <functional>
#include <vector>

#include "plexus/ctl/connection.h"

namespace plexus::ctl::testing {

class FakeConnection final : public ControlConnection {
 public:
  Result<v1::ControlResponse> call(v1::ControlRequest request,
                                   std::chrono::milliseconds timeout) override {
    calls.push_back(request);
    callTimeouts.push_back(timeout);
    if (answers.empty()) return makeError(v1::ERROR_CODE_TIMEOUT, "no scripted answer");
    auto answer = answers.front();
    answers.pop_front();
    return answer;
  }
  Status send(v1::ControlRequest request) override {
    sent.push_back(request);
    return sendStatus;
  }
  std::optional<v1::ControlResponse> receive(std::chrono::milliseconds) override {
    ++receives;
    if (incoming.empty()) {
      if (onQuiet) onQuiet();
      return std::nullopt;
    }
    auto next = incoming.front();
    incoming.pop_front();
    return next;
  }

  std::deque<Result<v1::ControlResponse>> answers;
  std::deque<v1::ControlResponse> incoming;
  std::function<void()> onQuiet;  // called when receive() finds nothing
  Status sendStatus;
  std::vector<v1::ControlRequest> calls;
  std::vector<std::chrono::milliseconds> callTimeouts;
  std::vector<v1::ControlRequest> sent;
  int receives = 0;
};

}  // namespace plexus::ctl::testing
