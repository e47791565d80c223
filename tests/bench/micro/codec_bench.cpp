// Event batch encode (host) and decode (SDK), packed body frame versus one shared frame per
// body, and the SDK's per-event parse. Decides the wire layout (docs/performance.md).

#include <benchmark/benchmark.h>

#include "alloc_counter.h"
#include "delivery/event_factory.h"
#include "delivery/routing_table.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/event_types.h"

namespace plexus::bench {
namespace {

std::vector<ipc::SharedBytes> bodies(std::size_t count) {
  std::vector<ipc::SharedBytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    v1::Event event = host::hostEvent(v1::EVENT_TYPE_MESSAGE_RECEIVED);
    event.mutable_message_received()->set_payload(std::string(256, 'x'));
    out.push_back(host::serializeEvent(event));
  }
  return out;
}

std::vector<ipc::OutgoingEvent> outgoing(const std::vector<ipc::SharedBytes>& b) {
  std::vector<ipc::OutgoingEvent> out;
  out.reserve(b.size());
  std::uint64_t seq = 1;
  for (const auto& body : b)
    out.push_back({seq++, 0, &body});
  return out;
}

ipc::BodyLayout layoutOf(benchmark::State& state) {
  return state.range(0) == 0 ? ipc::BodyLayout::Packed : ipc::BodyLayout::SharedFrames;
}

void BM_EncodeBatch(benchmark::State& state) {
  const auto b = bodies(static_cast<std::size_t>(state.range(1)));
  const auto events = outgoing(b);
  ipc::EventBatchEncoder encoder(layoutOf(state));
  std::vector<zmq::message_t> frames;
  const std::uint64_t before = allocationCount();
  for (auto _ : state) {
    frames.clear();
    encoder.encode(v1::LANE_EVENT, events, frames);
    benchmark::DoNotOptimize(frames.data());
  }
  reportAllocations(state, before);
  state.SetItemsProcessed(state.iterations() * state.range(1));
  state.SetLabel(state.range(0) == 0 ? "packed" : "shared frames");
}
BENCHMARK(BM_EncodeBatch)->ArgsProduct({{0, 1}, {1, 50}});

void BM_DecodeBatch(benchmark::State& state) {
  const auto b = bodies(static_cast<std::size_t>(state.range(1)));
  const auto events = outgoing(b);
  ipc::EventBatchEncoder encoder(layoutOf(state));
  std::vector<zmq::message_t> encoded;
  encoder.encode(v1::LANE_EVENT, events, encoded);
  v1::Envelope envelope;
  const std::uint64_t before = allocationCount();
  for (auto _ : state) {
    // What the SDK's I/O thread does per received batch (the frames arrive as new messages).
    std::vector<zmq::message_t> frames;
    // No reserve(): this counts what the SDK allocates.
    for (auto& f : encoded)
      frames.emplace_back(f.data(), f.size());  // NOLINT(performance-inefficient-vector-operation)
    (void)ipc::decodeEnvelope(frames[0], envelope);
    std::vector<zmq::message_t> rest;
    for (std::size_t i = 1; i < frames.size(); ++i)
      rest.push_back(std::move(frames[i]));
    auto batch = ipc::decodeEventBatch(envelope.event_batch(), std::move(rest));
    benchmark::DoNotOptimize(batch);
  }
  reportAllocations(state, before);
  state.SetItemsProcessed(state.iterations() * state.range(1));
  state.SetLabel(state.range(0) == 0 ? "packed" : "shared frames");
}
BENCHMARK(BM_DecodeBatch)->ArgsProduct({{0, 1}, {1, 50}});

// The SDK's per-event decode into a reused Event.
void BM_ParseEvent(benchmark::State& state) {
  const auto b = bodies(1);
  v1::Event event;
  const std::uint64_t before = allocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(event.ParseFromArray(b[0].data(), static_cast<int>(b[0].size())));
  }
  reportAllocations(state, before);
}
BENCHMARK(BM_ParseEvent);

void BM_RoutingTableLookup(benchmark::State& state) {
  struct Subscriber {};
  std::vector<Subscriber> subscribers(static_cast<std::size_t>(state.range(0)));
  host::RoutingTable<Subscriber> table;
  for (auto type : ipc::allEventTypes()) {
    for (auto& s : subscribers)
      table.add(type, &s);
  }
  std::size_t i = 0;
  const auto& types = ipc::allEventTypes();
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.subscribers(types[i++ % types.size()]).size());
  }
}
BENCHMARK(BM_RoutingTableLookup)->Arg(8)->Arg(64);

}  // namespace
}  // namespace plexus::bench
