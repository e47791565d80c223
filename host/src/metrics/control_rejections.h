#pragma once

// ControlRejections: the control socket's refusals since node start, by reason (a bounded set):
// one reason per ErrorCode a ControlResponse carried (malformed, unsupported_version,
// invalid_argument, not_found, ...: the code's name in lower case without ERROR_CODE_), and
// peer_refused for connections ZAP turned away (not the node's uid nor the control group).
// The ControlServer counts every Error it sends; the node counts ZAP's refusals of the control
// domain; the MetricsCollector copies the counts into the snapshot
// (plexus_control_requests_rejected_total). `stats --reset` does not touch them.
// Thread rule: loop thread only (the control socket and ZAP are served there).

#include <plexus/v1/wire.pb.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class ControlRejections {
 public:
  // One slot per ErrorCode value, then peer_refused.
  static constexpr std::size_t kPeerRefused = v1::ErrorCode_ARRAYSIZE;
  static constexpr std::size_t kReasons = kPeerRefused + 1;
  using Counts = std::array<std::uint64_t, kReasons>;

  // A request answered with `code` (an unknown code counts as unspecified).
  void count(v1::ErrorCode code);
  void countPeerRefused();
  const Counts& counts() const;

  // The label of slot `reason` (< kReasons): "malformed", ..., "peer_refused"; empty for a slot
  // no ErrorCode has (a gap in the enum), which the formatter skips.
  static std::string_view reasonName(std::size_t reason);

 private:
  ThreadChecker m_thread;
  Counts m_counts{};
};

}  // namespace plexus::host
