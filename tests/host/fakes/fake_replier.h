#pragma once

// FakeReplier: a ControlReplier for unit tests of the operator's handlers. It records every
// response per client (unstamped: stamping is the ControlServer's) and reports a client the
// test marked gone as Unreachable (counting the attempt). `onSend`, if set, runs after each
// recorded response (a test stops its loop there). Thread rule: the test's thread.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "control/control_handler.h"

namespace plexus::host::fakes {

class FakeReplier final : public ControlReplier {
 public:
  SendStatus send(const std::string& clientId, v1::ControlResponse response) override {
    if (gone.contains(clientId)) {
      ++refused[clientId];
      return SendStatus::Unreachable;
    }
    sent.emplace_back(clientId, std::move(response));
    if (onSend) onSend();
    return SendStatus::Sent;
  }

  // Responses to `clientId`, in order.
  std::vector<v1::ControlResponse> to(const std::string& clientId) const {
    std::vector<v1::ControlResponse> out;
    for (const auto& [id, response] : sent) {
      if (id == clientId) out.push_back(response);
    }
    return out;
  }
  const v1::ControlResponse& last() const { return sent.back().second; }

  std::vector<std::pair<std::string, v1::ControlResponse>> sent;
  std::set<std::string> gone;
  std::map<std::string, int> refused;  // sends to a client that is gone
  std::function<void()> onSend;
};

}  // namespace plexus::host::fakes
