#include "plexus/ctl/tail.h"

#include <algorithm>

#include "plexus/ctl/json_output.h"
#include "plexus/ctl/requests.h"
#include "plexus/ipc/protocol.h"

namespace plexus::ctl {

namespace {

// How long the tail waits for the node to confirm TailStop before it exits anyway.
constexpr std::chrono::milliseconds kStopWait{1000};

// Ends the session on the node and waits for the answer, so the session is gone when plexusctl
// exits (a close right after a send could lose the stop on a busy machine). Best effort: the
// node also ends a session whose client vanished, at its next send.
void stopSession(ControlConnection& connection, std::chrono::milliseconds timeout) {
  v1::ControlRequest stop;
  stop.mutable_tail_stop();
  (void)connection.call(std::move(stop), std::min(timeout, kStopWait));
}

enum class Next { More, Done, NodeStopped };

// Prints one batch; says whether the tail goes on, ends (count reached, stdout gone), or the
// node announced it stopped.
Next printBatch(const v1::TailEvents& batch, const TailCommand& command, std::uint64_t& printed,
                std::ostream& out, std::ostream& err) {
  if (batch.events_size() != batch.bodies_size()) {
    err << "plexusctl: malformed tail batch (" << batch.events_size() << " events, "
        << batch.bodies_size() << " bodies)\n";
  }
  const int n = std::min(batch.events_size(), batch.bodies_size());
  for (int i = 0; i < n; ++i) {
    const auto& meta = batch.events(i);
    v1::Event event;
    if (!event.ParseFromString(batch.bodies(i))) {
      err << "plexusctl: skipped an undecodable event (seq " << meta.seq() << ")\n";
      continue;
    }
    auto line = tailLine(meta, event, batch.lane() == v1::LANE_LIFECYCLE);
    if (!line) {
      err << "plexusctl: skipped event seq " << meta.seq() << ": " << line.error().message << "\n";
      continue;
    }
    out << *line << '\n' << std::flush;  // one line at a time: tail is read as it happens
    if (!out) return Next::Done;         // stdout closed (e.g. piped into head)
    ++printed;
    if (event.type() == v1::EVENT_TYPE_NODE_SHUTDOWN_COMPLETED) return Next::NodeStopped;
    if (command.count && printed >= *command.count) return Next::Done;
  }
  return Next::More;
}

}  // namespace

ExitCode runTail(ControlConnection& connection, const TailCommand& command,
                 std::chrono::milliseconds timeout, const std::atomic<bool>& stop,
                 std::ostream& out, std::ostream& err) {
  // A stale socket of a dead node accepts the subscription silently: ask once to tell the two
  // apart, so "no node" is exit 3 rather than an endless quiet tail.
  v1::ControlRequest probe;
  probe.mutable_status();
  auto answer = connection.call(std::move(probe), timeout);
  if (stop.load()) return ExitCode::Ok;
  if (!answer) {
    err << "plexusctl: " << answer.error().message << "\n";
    return ExitCode::Unreachable;
  }
  if (answer->has_error()) {
    err << "plexusctl: " << answer->error().message() << "\n";
    return ExitCode::ErrorReply;
  }
  // A node before 1.2 would ignore the filter and stream everything.
  if (!command.filter.empty() && answer->protocol_minor() < ipc::kMinorFilters) {
    err << "plexusctl: tail --filter needs a node speaking protocol " << ipc::kProtocolMajor << "."
        << ipc::kMinorFilters << "; this one speaks " << answer->protocol_major() << "."
        << answer->protocol_minor() << "\n";
    return ExitCode::ErrorReply;
  }

  if (auto sent = connection.send(buildRequest(command)); !sent) {
    err << "plexusctl: " << sent.error().message << "\n";
    return ExitCode::Unreachable;
  }
  std::uint64_t printed = 0;
  Next next = Next::More;
  while (next == Next::More && !stop.load()) {
    auto response = connection.receive(kTailPollInterval);
    if (!response) continue;  // quiet node, or interrupted by a signal: look at `stop`
    if (response->has_error()) {
      err << "plexusctl: " << response->error().message() << "\n";
      return ExitCode::ErrorReply;
    }
    if (!response->has_tail_events()) continue;  // a late answer to the probe
    const auto& batch = response->tail_events();
    next = printBatch(batch, command, printed, out, err);
    // Credit returns on the event lane only; the lifecycle lane is never held.
    if (next == Next::More && !batch.events().empty() && batch.lane() != v1::LANE_LIFECYCLE) {
      v1::ControlRequest ack;
      ack.mutable_tail_ack()->set_through_seq(batch.events(batch.events_size() - 1).seq());
      if (auto sent = connection.send(std::move(ack)); !sent) {
        err << "plexusctl: " << sent.error().message << "\n";
        return ExitCode::Unreachable;
      }
    }
  }
  if (next != Next::NodeStopped) stopSession(connection, timeout);  // a stopped node cannot answer
  return ExitCode::Ok;
}

}  // namespace plexus::ctl
