#include "bench_options.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "bench_event.h"
#include "plexus/ipc/event_types.h"

namespace plexus::bench {

namespace {

constexpr const char* kUsage =
    R"(usage: plexus-bench --modules N --events E --size S [--rate R [--seconds T]]
                    [--capacity C] [--policy drop|block] [--stop-module]
                    [--layout packed|frames] [--type TYPE] [--module-exec PATH] [--profile]
                    [--filter EXPR --match-every N [--match-field NAME]]
                    [--critical-every N] [--handler-us U] [--journal [--journal-sync full]]
                    [--metrics-listen HOST:PORT] [--remote]
       plexus-bench --modules N --idle SECONDS   (CPU of an idle node and its modules)
       plexus-bench --catch-up --events E [--size S] [--type TYPE] [--capacity C] [--saturate]
                    (one durable module catching up E journaled events)

  --rate R         publish at R events/s; without --events the run lasts --seconds T
                   (default 5): E = R * T
  --type TYPE      the event type published and subscribed to, by name (NewBlock,
                   NEW_BLOCK, new_block) or number; default MessageReceived. Lifecycle
                   types (ModuleLoaded..NodeShutdownCompleted) cannot be published.
  --module-exec P  run P as every module instead of plexus-bench-module (a path with a
                   '/' is taken from the current directory, a bare name as the node would)
  --profile        CPU seconds per thread of the host and of each module process
  --filter EXPR    module 0 subscribes with this content filter (docs/filters.md); the others
                   subscribe unfiltered, so one run compares a filtered with unfiltered
                   subscribers (their CPU: a "filter:" line, with --profile)
  --match-every N  every Nth event sets the payload's uint64 field --match-field (default
                   fee) to 1000, the others to 1: with --filter 'fee >= 1000', 1/N of the
                   events match
  --critical-every N  after every Nth event also publish a stamped ChainReorg (critical
                   priority: the critical lane); a "critical:" line gives their
                   publish-to-handler-start latency and how many were dropped
  --handler-us U   every module handler takes U microseconds (sleeps): a slow module
  --journal        the node journals the published type (in the run's temporary directory)
                   and a "journal:" line says how many were journaled, overflowed (holes)
                   or failed; without it the journal is off, as for the peers
  --journal-sync M normal (default) or full (an fsync per group commit)
  --metrics-listen A  the node serves /metrics on A (metrics_listen), to scrape during the run
  --remote         the modules are remote modules: the bench starts them itself and they
                   connect over CURVE to the node's tcp:// endpoint on 127.0.0.1 (keys written
                   to the run's temporary directory), not over the local ipc:// socket
  --catch-up       journal E events with no module running, then start one durable
                   block-policy module (start: everything) and time its catch-up; a
                   "catch-up:" line gives events/s and the node's RSS growth (peak)
  --saturate       with --catch-up: meanwhile publish the same type as fast as the node
                   takes it (the journal thread saturated; the module stays in catch-up)

Result line: system=plexus modules= events= size= type= delivered= secs= delivered_per_s=
  p50_us= p90_us= p99_us= p999_us= max_us= (over the latencies of all modules merged)
  worst_p50_us= worst_p99_us= (the worst module's, as the peer baselines report) dropped=

Latency is send-to-handler on the steady clock (CLOCK_MONOTONIC, ns): the bench's publishing
thread (never the node's loop) stamps each event just before Publisher::publishAsync, in the
payload's stamp field: the payload's first bytes field (8 little-endian bytes, then padding
to S bytes; MessageReceived: `payload`), else its first string field (20 decimal digits,
then padding), else its first 64-bit integer field.

A module run with --module-exec must, like plexus-bench-module:
  - subscribe to the event type whose number is in setting `type`, and to BroadcastCompleted;
  - for each bench event: count it, add Delivery::droppedBefore to dropped_seen, and record
    now(CLOCK_MONOTONIC) - stamp in ns;
  - on BroadcastCompleted with broadcast_id "end" (the end marker, published once every
    module has handled every event): write its report to a temporary file and rename it to
    the path in setting `out`. The report is text: a first line "<received> <dropped_seen>",
    then any number of lines "<latency_ns> <count>" (e.g. one per event with count 1).
  Settings it gets: out, type, expect (events it will receive, to preallocate for).
)";

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "plexus-bench: " << problem << "\n" << kUsage;
  std::exit(2);
}

v1::EventType parseType(const std::string& text) {
  std::optional<v1::EventType> type = ipc::parseEventType(text);
  if (!type && !text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    const int number = std::stoi(text);
    if (ipc::isValidEventType(number)) type = static_cast<v1::EventType>(number);
  }
  if (!type) usage("--type: '" + text + "' is not an event type");
  if (ipc::isLifecycleLane(*type))
    usage("--type: " + ipc::displayName(*type) +
          " is a lifecycle type, only the node publishes it");
  if (stampField(*type) == nullptr)
    usage("--type: " + ipc::displayName(*type) + " has no field to carry the send stamp");
  return *type;
}

}  // namespace

Options parseOptions(int argc, char** argv) {
  Options o;
  bool eventsGiven = false;
  bool journalSyncGiven = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> std::uint64_t {
      std::string v = value();
      try {
        return std::stoull(v);
      } catch (...) {
        // NOLINTNEXTLINE(performance-inefficient-string-concatenation): the error path, once
        usage(arg + ": '" + v + "' is not a number");
      }
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (arg == "--modules") {
      o.modules = static_cast<std::uint32_t>(number());
    } else if (arg == "--events") {
      o.events = number();
      eventsGiven = true;
    } else if (arg == "--seconds") {
      o.seconds = number();
    } else if (arg == "--size") {
      o.size = number();
    } else if (arg == "--rate") {
      o.rate = number();
    } else if (arg == "--capacity") {
      o.capacity = static_cast<std::uint32_t>(number());
    } else if (arg == "--policy") {
      std::string v = value();
      if (v != "drop" && v != "block") usage("--policy is drop or block");
      o.block = v == "block";
    } else if (arg == "--layout") {
      std::string v = value();
      if (v != "packed" && v != "frames") usage("--layout is packed or frames");
      o.layout = v == "packed" ? ipc::BodyLayout::Packed : ipc::BodyLayout::SharedFrames;
    } else if (arg == "--type") {
      o.type = parseType(value());
    } else if (arg == "--module-exec") {
      o.moduleExec = value();
    } else if (arg == "--remote") {
      o.remote = true;
    } else if (arg == "--stop-module") {
      o.stopModule = true;
    } else if (arg == "--profile") {
      o.profile = true;
    } else if (arg == "--metrics-listen") {
      o.metricsListen = value();
    } else if (arg == "--journal") {
      o.journal = true;
    } else if (arg == "--journal-sync") {
      const std::string sync = value();
      if (sync != "normal" && sync != "full") usage("--journal-sync: normal or full");
      o.journalFullSync = sync == "full";
      journalSyncGiven = true;
    } else if (arg == "--catch-up") {
      o.catchUp = true;
    } else if (arg == "--saturate") {
      o.saturate = true;
    } else if (arg == "--filter") {
      o.filter = value();
    } else if (arg == "--match-every") {
      o.matchEvery = number();
    } else if (arg == "--match-field") {
      o.matchField = value();
    } else if (arg == "--critical-every") {
      o.criticalEvery = number();
    } else if (arg == "--handler-us") {
      o.handlerUs = static_cast<std::uint32_t>(number());
    } else if (arg == "--idle") {
      o.idleSeconds = static_cast<std::uint32_t>(number());
    } else {
      usage("unknown argument '" + arg + "'");
    }
  }
  if (o.rate > 0 && !eventsGiven) o.events = o.rate * o.seconds;
  if (o.modules == 0 || o.events == 0 || o.capacity == 0 || o.moduleExec.empty())
    usage("modules, events, capacity > 0 and a module executable");
  if (o.size < 8) o.size = 8;
  // Also "normal": without a journal there is nothing to sync, and the run would not be the one
  // asked for.
  if (journalSyncGiven && !o.journal) usage("--journal-sync needs --journal");
  if (!o.filter.empty() && o.modules < 2) usage("--filter needs --modules 2 or more");
  if (o.criticalEvery > 0 && o.type == v1::EVENT_TYPE_CHAIN_REORG)
    usage("--critical-every needs a --type other than ChainReorg");
  // A path with a directory is taken from here; a bare name is looked up as the node does.
  if (o.moduleExec.find('/') != std::string::npos)
    o.moduleExec = std::filesystem::absolute(o.moduleExec).string();
  return o;
}

}  // namespace plexus::bench
