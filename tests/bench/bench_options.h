#pragma once

// plexus-bench's command line.

#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <string>

#include "plexus/ipc/event_batch_codec.h"

namespace plexus::bench {

struct Options {
  std::uint32_t modules = 4;
  std::uint64_t events = 200000;  // with --rate and no --events: rate * seconds
  std::uint64_t seconds = 5;      // run length at --rate when --events is not given
  std::size_t size = 256;
  std::uint64_t rate = 0;  // events/s, 0 = as fast as possible
  std::uint32_t capacity = 100;
  bool block = false;
  bool stopModule = false;
  bool profile = false;
  bool journal = false;           // the node journals the published type
  bool journalFullSync = false;   // journal.sync full
  bool catchUp = false;           // a durable module's catch-up of --events (catch_up_bench.h)
  bool saturate = false;          // --catch-up while the bench publishes as fast as it can
  std::uint32_t idleSeconds = 0;  // measure an idle node instead of publishing
  ipc::BodyLayout layout = ipc::BodyLayout::Packed;
  v1::EventType type = v1::EVENT_TYPE_MESSAGE_RECEIVED;
  std::string moduleExec = "plexus-bench-module";
  std::string metricsListen;     // the node's metrics_listen; "" = no /metrics
  std::string filter;            // module 0's content filter; "" = none
  std::uint64_t matchEvery = 0;  // every Nth event has matchField = 1000, the rest 1
  std::string matchField = "fee";
  std::uint64_t criticalEvery = 0;  // after every Nth event also a stamped ChainReorg (critical)
  std::uint32_t handlerUs = 0;      // each module handler takes this long (sleeps)
  bool remote = false;              // the modules connect as remote modules (remote_modules.h)
};

// Exits with status 2 and the usage on a bad command line, with status 0 on --help.
Options parseOptions(int argc, char** argv);

}  // namespace plexus::bench
