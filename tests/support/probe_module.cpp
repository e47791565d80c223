// plexus-test-probe: a module for integration tests. It records what happens to it as lines in
// a report file, so a test can assert on real deliveries:
//   connected <incarnation> <capacity>
//   protocol <major>.<negotiated minor>
//   replay-capacity <n>  (after "protocol", when the node offers a replay lane: 1.5, journal on)
//   event <lane: E|L> <seq> <dropped_before> <TypeName> <source> <detail>
//   offset <lane: E|L> <seq> <journal offset>[ flags=<EventFlag bits>]
//                        (with --report-offsets, after its event line; flags when not 0)
//   connect-error <message>
//   publish <ok <subscribers>|duplicate|CODE <message>>
//   publish-answer subscribers=N accepted=A dropped=D failed=F timed_out=T missed=ID:REASON;...
//                        (after an error that carries the node's answer; with
//                        --report-answers after a successful publish too)
//   stats <routed> <successful> <acked>
//   exit <status>
// Options (module args):
//   --report FILE        where to write (required)
//   --types A,B          event types to subscribe to (default NewBlock; "none" for none)
//   --delay-ms N         handler sleeps N ms per event-lane event
//   --mode MODE          normal | wrong-token | reuse-token | claim-id=<id>
//   --protocol M.N       claim protocol version M.N in the handshake (default: the SDK's own)
//   --publish TYPE:N     publish N events of TYPE (NewBlock heights 1..N) and report each result
//   --publish-on TYPE    start publishing when the first TYPE event arrives (default: at once)
//   --tag-incarnation    published NewBlock heights are incarnation * 1000000 + 1..N instead
//   --relay-from NODE:P  publish i (from 0) has origin {NODE, "chainsim", offset i % P + 1}: a
//                        relay (capabilities.relay) sending 1..P, then again
//   --tag-pid            "connected" and "event" lines end with " pid=<this process's pid>"
//                        (a report shared by several processes stays attributable)
//   --report-offsets     after each "event" line, an "offset" line: Delivery::offset() (1.4)
//   --crash-after N      abort() after handling N event-lane events
//   --ignore-shutdown    keep running after NodeShutdown (tests the node's escalation)
//   --ignore-sigterm     ignore SIGTERM too
//   --stop-after N       call stop() (the SDK says Goodbye) after handling N event-lane events
//   --stay-after-run     once run() returned, keep the process (and its connection) alive:
//                        "staying" is reported; only a signal ends it
//   --exit-delay-ms N    once run() returned, take N ms (its cleanup) before exiting
//   --report-limits      once connected, report "limits as=<bytes> nofile=<n> cpu=<s>" (soft)
//   --burn-cpu           once connected, spin on the CPU forever (RLIMIT_CPU ends it)
//   --allocate N         once connected, allocate and touch N bytes (RLIMIT_AS ends it)
//   --daemon             once connected, fork a child that calls setsid() and waits for ever
//                        (a daemon outside the module's process group); reports "daemon <pid>"
//   --spam-bytes N       once connected, a thread writes N bytes of lines to stdout while the
//                        module keeps handling events; "spam-done" is reported at the end

#include <plexus/sdk/module.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>  // std::call_once
#include <optional>
#include <sstream>
#include <thread>

#include "module_connect.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "probe_lines.h"
#include "report_file.h"

namespace {

struct Options {
  std::string report;
  std::string types = "NewBlock";
  int delayMs = 0;
  std::string mode = "normal";
  std::string protocol;
  bool reportAnswers = false;
  std::string publishType;
  int publishCount = 0;
  std::string publishOn;
  std::string relayFrom;  // --relay-from NODE:P
  int relayPeriod = 1;
  bool tagIncarnation = false;
  bool tagPid = false;
  bool reportOffsets = false;
  long crashAfter = -1;
  bool ignoreShutdown = false;
  bool ignoreSigterm = false;
  long stopAfter = -1;
  bool stayAfterRun = false;
  int exitDelayMs = 0;
  long spamBytes = 0;
  bool reportLimits = false;
  bool burnCpu = false;
  long allocate = 0;
  bool daemon = false;
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
    else if (a == "--mode")
      o.mode = next();
    else if (a == "--protocol")
      o.protocol = next();
    else if (a == "--report-answers")
      o.reportAnswers = true;
    else if (a == "--publish") {
      std::string v = next();
      o.publishType = v.substr(0, v.find(':'));
      o.publishCount = std::stoi(v.substr(v.find(':') + 1));
    } else if (a == "--publish-on")
      o.publishOn = next();
    else if (a == "--tag-incarnation")
      o.tagIncarnation = true;
    else if (a == "--relay-from") {
      std::string v = next();
      o.relayFrom = v.substr(0, v.find(':'));
      o.relayPeriod = std::stoi(v.substr(v.find(':') + 1));
    } else if (a == "--crash-after")
      o.crashAfter = std::stol(next());
    else if (a == "--ignore-shutdown")
      o.ignoreShutdown = true;
    else if (a == "--ignore-sigterm")
      o.ignoreSigterm = true;
    else if (a == "--stop-after")
      o.stopAfter = std::stol(next());
    else if (a == "--stay-after-run")
      o.stayAfterRun = true;
    else if (a == "--exit-delay-ms")
      o.exitDelayMs = std::stoi(next());
    else if (a == "--spam-bytes")
      o.spamBytes = std::stol(next());
    else if (a == "--tag-pid")
      o.tagPid = true;
    else if (a == "--report-offsets")
      o.reportOffsets = true;
    else if (a == "--report-limits")
      o.reportLimits = true;
    else if (a == "--burn-cpu")
      o.burnCpu = true;
    else if (a == "--allocate")
      o.allocate = std::stol(next());
    else if (a == "--daemon")
      o.daemon = true;
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  if (options.report.empty()) {
    std::cerr << "plexus-test-probe: --report FILE is required\n";
    return 64;
  }
  if (options.ignoreSigterm) ::signal(SIGTERM, SIG_IGN);
  plexus::test::ReportFile report(options.report);

  plexus::sdk::ConnectOptions connect = plexus::test::connectOptionsFromNode({"probe", "9.9.9"});
  // A remote connection (started by a test, tcp://) gets longer: CURVE on a loaded machine.
  connect.timeout =
      std::chrono::milliseconds(connect.endpoint.rfind("tcp://", 0) == 0 ? 20000 : 5000);

  auto attempt = [&](const plexus::sdk::ConnectOptions& o) -> std::optional<plexus::sdk::Module> {
    try {
      return plexus::sdk::Module::connect(o);
    } catch (const plexus::sdk::ConnectError& e) {
      report.line(std::string("connect-error ") + e.what());
      return std::nullopt;
    }
  };

  if (options.mode == "wrong-token") {
    connect.token[0] = connect.token[0] == '0' ? '1' : '0';
  } else if (options.mode.rfind("claim-id=", 0) == 0) {
    connect.moduleId = options.mode.substr(9);
  }
  plexus::test::claimProtocol(connect, options.protocol);
  auto module = attempt(connect);
  if (!module) {
    report.line("exit 3");
    return 3;
  }
  if (options.mode == "reuse-token") {
    auto second = attempt(connect);  // the token is burnt: this must be refused
    if (second) report.line("second-connection-accepted");
  }
  const std::string pidTag =
      options.tagPid ? " pid=" + std::to_string(static_cast<long>(::getpid())) : "";
  report.line("connected " + std::to_string(module->incarnation()) + " " +
              std::to_string(module->channelCapacity()) + pidTag);
  report.line("protocol " + std::to_string(plexus::ipc::kProtocolMajor) + "." +
              std::to_string(module->protocolMinor()));
  if (module->replayCapacity() > 0)
    report.line("replay-capacity " + std::to_string(module->replayCapacity()));
  if (options.reportLimits) {
    auto soft = [](int resource) {
      rlimit limit{};
      ::getrlimit(resource, &limit);
      return limit.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                             : std::to_string(limit.rlim_cur);
    };
    report.line("limits as=" + soft(RLIMIT_AS) + " nofile=" + soft(RLIMIT_NOFILE) +
                " cpu=" + soft(RLIMIT_CPU));
  }
  if (options.allocate > 0) {
    report.line("allocating " + std::to_string(options.allocate));
    auto* block = new char[static_cast<std::size_t>(options.allocate)];  // throws under RLIMIT_AS
    for (long i = 0; i < options.allocate; i += 4096)
      block[i] = 1;
    report.line("allocated");
  }
  if (options.burnCpu) {
    report.line("burning");
    std::atomic<std::uint64_t> spin{0};  // a side effect the compiler must keep
    for (;;)
      spin.fetch_add(1, std::memory_order_relaxed);
  }
  if (options.daemon) {
    const pid_t child = ::fork();
    if (child == 0) {  // async-signal-safe calls only: the parent has threads
      ::setsid();
      ::syscall(SYS_close_range, 3U, ~0U, 0U);  // not the module's sockets or report
      for (;;)
        ::pause();
    }
    report.line("daemon " + std::to_string(child));
  }
  std::thread spammer;
  if (options.spamBytes > 0) {
    spammer = std::thread([&] {
      std::string line(99, 'x');
      for (long written = 0; written < options.spamBytes; written += 100)
        std::cout << line << "\n";
      std::cout.flush();
      report.line("spam-done");
    });
  }

  std::atomic<long> handled{0};
  std::thread publisher;
  std::once_flag publishing;
  auto startPublishing = [&] {
    std::call_once(publishing, [&] {
      publisher = std::thread([&] {
        auto type = plexus::ipc::parseEventType(options.publishType);
        for (int i = 0; i < options.publishCount; ++i) {
          plexus::v1::Event event;
          event.set_type(type.value_or(plexus::v1::EVENT_TYPE_NEW_BLOCK));
          event.set_source("forged-source");  // the node must overwrite it
          if (event.type() == plexus::v1::EVENT_TYPE_NEW_BLOCK) {
            const std::uint64_t base = options.tagIncarnation ? module->incarnation() * 1000000 : 0;
            event.mutable_new_block()->set_height(base + static_cast<std::uint64_t>(i + 1));
          } else if (event.type() == plexus::v1::EVENT_TYPE_NODE_SHUTDOWN) {
            event.mutable_node_shutdown()->set_reason("forged");
          }
          if (!options.relayFrom.empty()) {
            event.mutable_origin()->set_node(options.relayFrom);
            event.mutable_origin()->set_module("chainsim");
            event.mutable_origin()->set_offset(static_cast<std::uint64_t>(i % options.relayPeriod) +
                                               1);
          }
          auto result = module->publish(event);
          report.line(result && result->duplicate() ? std::string("publish duplicate")
                      : result ? std::string("publish ok ") + std::to_string(result->subscribers())
                               : "publish " + plexus::v1::ErrorCode_Name(result.error().code) +
                                     " " + result.error().message);
          if (!result && result.error().publish) report.line(answerLine(*result.error().publish));
          if (result && options.reportAnswers) report.line(answerLine(*result));
        }
        if (auto stats = module->stats()) {
          report.line("stats " + std::to_string(stats->routed()) + " " +
                      std::to_string(stats->successful()) + " " + std::to_string(stats->acked()));
        }
      });
    });
  };
  const auto trigger = plexus::ipc::parseEventType(options.publishOn);
  std::vector<plexus::v1::EventType> types;
  if (options.types != "none") {
    std::stringstream list(options.types);
    std::string name;
    while (std::getline(list, name, ',')) {
      auto type = plexus::ipc::parseEventType(name);
      if (!type) {
        report.line("bad-type " + name);
        return 64;
      }
      types.push_back(*type);
    }
  }
  for (auto type : types) {
    module->on(type, [&, type](const plexus::sdk::Delivery& d) {
      report.line(std::string("event ") + (d.isLifecycle() ? "L " : "E ") +
                  std::to_string(d.sequence()) + " " + std::to_string(d.droppedBefore()) + " " +
                  plexus::ipc::displayName(type) + " " + d.event().source() + " " +
                  detailOf(d.event()) + pidTag);
      if (options.reportOffsets) {
        report.line(std::string("offset ") + (d.isLifecycle() ? "L " : "E ") +
                    std::to_string(d.sequence()) + " " + std::to_string(d.offset()) +
                    (d.flags() != 0 ? " flags=" + std::to_string(d.flags()) : std::string()));
      }
      if (options.publishCount > 0 && trigger == type) startPublishing();
      if (d.isLifecycle()) return;
      if (options.delayMs > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(options.delayMs));
      const long handledNow = ++handled;
      if (options.crashAfter >= 0 && handledNow >= options.crashAfter) std::abort();
      if (options.stopAfter >= 0 && handledNow == options.stopAfter) {
        report.line("stopping");
        module->stop();
      }
    });
  }
  if (options.ignoreShutdown) {
    // Registering NodeShutdown is not enough to survive it: run() returns after it. Keep the
    // process alive regardless (the node must escalate to signals).
    module->on(plexus::v1::EVENT_TYPE_NODE_SHUTDOWN, [&](const plexus::sdk::Delivery&) {
      report.line("ignoring-shutdown");
      for (;;)
        std::this_thread::sleep_for(std::chrono::seconds(1));
    });
  }
  if (options.publishCount > 0 && !trigger) startPublishing();
  int status = module->run();
  if (publisher.joinable()) publisher.join();
  if (spammer.joinable()) spammer.join();
  if (options.stayAfterRun) {
    // The module object (its I/O thread, its heartbeats) lives on: only a signal ends this.
    report.line("staying " + std::to_string(status));
    for (;;)
      std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (options.exitDelayMs > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(options.exitDelayMs));
  report.line("exit " + std::to_string(status));
  return status;
}
