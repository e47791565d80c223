// plexus-test-replayer: a module for replay on request (wire 1.5), tested against the real node.
// A drop-policy subscriber that fills its gaps with replay: when an event-lane event comes with
// dropped_before > 0, the offsets it missed are (the previous event-lane offset + 1) .. (this
// offset - 1) (the tests publish one journaled type, so offsets are consecutive); nothing is
// asked for before the first event-lane event it sees. It keeps a FIFO of missing ranges and runs
// one replay at a time, {from, until, its types}, starting the next range on each ReplayEnd.
// It records, one line each, in the order things happen:
//   connected <incarnation> <capacity> replay=<replayCapacity>
//   event <E|R|C|L> <seq> <dropped_before> <offset> <flags>
//                                   every delivery: E event lane, R replay lane, C critical lane,
//                                   L lifecycle
//   replay-request <from> <until>   before asking
//   replay-answer <replay_id> <through>
//   replay-error <CODE> <message>   replay() failed (the range is given up; the next one is asked)
//   replay-end <replay_id> <from> <through> events=<n> holes=<h> trimmed=<t> first=<offset>
//   connect-error <message>         (then exit 3)
//   exit <status>                   run() returned
// Options (module args):
//   --report FILE        where to write (required)
//   --types A,B          event types to subscribe to and replay (default NewBlock)
//   --delay-ms N         handler sleeps N ms per event-lane event (so the node drops for it)
//   --protocol M.N       claim protocol version M.N in the handshake (default: the SDK's)
// Threads: everything but main()'s set-up runs on the run() thread (handlers, the ReplayEnd
// handler, and replay(), which from a handler reads the socket itself until the answer).

#include <plexus/sdk/module.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "module_connect.h"
#include "plexus/ipc/event_types.h"
#include "report_file.h"

namespace {

using plexus::sdk::Delivery;
using plexus::sdk::Module;

struct Options {
  std::string report;
  std::string types = "NewBlock";
  int delayMs = 0;
  std::string protocol;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--report")
      o.report = next();
    else if (a == "--types")
      o.types = next();
    else if (a == "--delay-ms")
      o.delayMs = std::stoi(next());
    else if (a == "--protocol")
      o.protocol = next();
  }
  return o;
}

const char* laneLetter(const Delivery& d) {
  if (d.isLifecycle()) return "L";
  if (d.isReplay()) return "R";
  if (d.isCritical()) return "C";
  return "E";
}

// The gaps of the event lane and the replays that fill them, one at a time.
// Thread rule: the run() thread only.
class GapFiller {
 public:
  GapFiller(Module& module, plexus::test::ReportFile& report,
            std::vector<plexus::v1::EventType> types)
      : m_module(module), m_report(report), m_types(std::move(types)) {}

  // An event-lane event: a gap before it (after the first one seen) becomes a range to replay.
  void onLiveEvent(const Delivery& d) {
    if (d.offset() == 0) return;  // not journaled: nothing to replay
    if (d.droppedBefore() > 0 && m_lastLiveOffset > 0 && d.offset() > m_lastLiveOffset + 1) {
      m_missing.emplace_back(m_lastLiveOffset + 1, d.offset() - 1);
    }
    m_lastLiveOffset = d.offset();
    startNext();
  }

  void onReplayEnd(const plexus::v1::ReplayEnd& end) {
    m_report.line("replay-end " + std::to_string(end.replay_id()) + " " +
                  std::to_string(end.from_offset()) + " " + std::to_string(end.through_offset()) +
                  " events=" + std::to_string(end.events()) +
                  " holes=" + std::to_string(end.journal_holes()) +
                  " trimmed=" + std::to_string(end.trimmed()) +
                  " first=" + std::to_string(end.journal_first_offset()));
    m_running = false;
    startNext();
  }

 private:
  // Asks for the oldest missing range unless a replay runs; a refused range is reported and
  // given up, and the next one asked for.
  void startNext() {
    while (!m_running && !m_missing.empty()) {
      const auto [from, until] = m_missing.front();
      m_missing.pop_front();
      plexus::v1::ReplayRequest request;
      request.set_from_offset(from);
      request.set_until_offset(until);
      for (auto type : m_types)
        request.add_types(type);
      m_report.line("replay-request " + std::to_string(from) + " " + std::to_string(until));
      auto answer = m_module.replay(request);
      if (!answer) {
        m_report.line("replay-error " + plexus::v1::ErrorCode_Name(answer.error().code) + " " +
                      answer.error().message);
        continue;
      }
      m_report.line("replay-answer " + std::to_string(answer->replay_id()) + " " +
                    std::to_string(answer->through_offset()));
      m_running = true;
    }
  }

  Module& m_module;
  plexus::test::ReportFile& m_report;
  std::vector<plexus::v1::EventType> m_types;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> m_missing;  // [from, until], oldest first
  std::uint64_t m_lastLiveOffset = 0;                             // 0: none seen yet
  bool m_running = false;  // a replay was answered and its ReplayEnd has not come
};

std::optional<std::vector<plexus::v1::EventType>> parseTypes(const std::string& list,
                                                             plexus::test::ReportFile& report) {
  std::vector<plexus::v1::EventType> types;
  std::stringstream names(list);
  std::string name;
  while (std::getline(names, name, ',')) {
    auto type = plexus::ipc::parseEventType(name);
    if (!type) {
      report.line("bad-type " + name);
      return std::nullopt;
    }
    types.push_back(*type);
  }
  return types;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  if (options.report.empty()) {
    std::cerr << "plexus-test-replayer: --report FILE is required\n";
    return 64;
  }
  plexus::test::ReportFile report(options.report);
  const auto types = parseTypes(options.types, report);
  if (!types) return 64;

  auto connect = plexus::test::connectOptionsFromNode({"replayer", "9.9.9"}, options.protocol);
  connect.timeout = std::chrono::milliseconds(5000);
  std::optional<Module> module;
  try {
    module.emplace(Module::connect(connect));
  } catch (const plexus::sdk::ConnectError& e) {
    report.line(std::string("connect-error ") + e.what());
    report.line("exit 3");
    return 3;
  }
  report.line("connected " + std::to_string(module->incarnation()) + " " +
              std::to_string(module->channelCapacity()) +
              " replay=" + std::to_string(module->replayCapacity()));

  GapFiller gaps(*module, report, *types);
  for (auto type : *types) {
    module->on(type, [&](const Delivery& d) {
      report.line(std::string("event ") + laneLetter(d) + " " + std::to_string(d.sequence()) + " " +
                  std::to_string(d.droppedBefore()) + " " + std::to_string(d.offset()) + " " +
                  std::to_string(d.flags()));
      if (d.lane() != plexus::v1::LANE_EVENT) return;
      gaps.onLiveEvent(d);
      if (options.delayMs > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(options.delayMs));
    });
  }
  module->onReplayEnd([&](const plexus::v1::ReplayEnd& end) { gaps.onReplayEnd(end); });
  const int status = module->run();
  report.line("exit " + std::to_string(status));
  return status;
}
