#pragma once

// The fuzz targets as plain functions: each libFuzzer executable calls one from its
// LLVMFuzzerTestOneInput, and the regression test feeds the committed corpora to all of them in
// every build. Each returns 0 and aborts when it finds a broken invariant.

#include <cstddef>
#include <cstdint>

namespace plexus::fuzz {

// ipc::decodeEnvelope + ipc::decodeEventBatch; a decoded batch must survive re-encoding in both
// body layouts unchanged.
int envelopeBatch(const std::uint8_t* data, std::size_t size);
// host::ModuleServer::handle with fake transport and registry over a real EventManager, driven
// by a script of module messages and host actions; checks the statistics invariants
// (docs/design.md), capacity, and sequence/dropped_before of every delivered event after each step.
int moduleServer(const std::uint8_t* data, std::size_t size);
// host::parseConfig, then validateConfig and withDefaults.
int config(const std::uint8_t* data, std::size_t size);
// The SDK's decodeIncoming, then every event body parsed as its handler thread does.
int sdkDecoder(const std::uint8_t* data, std::size_t size);
// filter::compileFilter / compileEventFilter on text after a selector byte (an event type or the
// test proto); a compiled filter evaluates deterministically, alike through reflection and typed
// reads, and `not (text)` negates it.
int filter(const std::uint8_t* data, std::size_t size);

struct Target {
  const char* name;      // the executable and the corpus directory: corpus/<name>/
  const char* testName;  // its regression tests: Targets/FuzzRegressionTest.*/<testName>
  int (*run)(const std::uint8_t*, std::size_t);
};

inline constexpr Target kTargets[] = {
    {"envelope_batch_fuzz", "EnvelopeBatch", &envelopeBatch},
    {"module_server_fuzz", "ModuleServer", &moduleServer},
    {"config_fuzz", "Config", &config},
    {"sdk_decoder_fuzz", "SdkDecoder", &sdkDecoder},
    {"filter_fuzz", "Filter", &filter},
};

}  // namespace plexus::fuzz
