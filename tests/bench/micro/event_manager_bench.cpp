// EventManager::publish: one routing lookup and a try-push per subscriber. Subscribers are
// acknowledged in bulk every kAckEvery publishes (outside the timing) so channels keep room;
// the "stalled" variant has one subscriber that never acks: every publish drops for it, and
// must not cost more than the others. The "filtered" variant publishes NewTransaction to
// subscribers that each hold a distinct three-clause content filter (docs/filters.md), all of
// which match: the body is parsed once per publish, then every filter is evaluated.

#include <benchmark/benchmark.h>

#include "alloc_counter.h"
#include "delivery/event_factory.h"
#include "delivery/event_manager.h"

namespace plexus::bench {
namespace {

constexpr std::uint32_t kCapacity = 4096;
constexpr std::int64_t kAckEvery = 2048;

class NullSink : public host::EventSink {
 public:
  host::SendStatus sendEvents(const std::string&, v1::Lane,
                              std::span<const ipc::OutgoingEvent> events) override {
    sent += events.size();
    return host::SendStatus::Sent;
  }
  std::uint64_t sent = 0;
};

ipc::SharedBytes body256() {
  v1::Event event = host::hostEvent(v1::EVENT_TYPE_MESSAGE_RECEIVED);
  event.mutable_message_received()->set_payload(std::string(256, 'x'));
  return host::serializeEvent(event);
}

ipc::SharedBytes transactionBody() {
  v1::Event event = host::hostEvent(v1::EVENT_TYPE_NEW_TRANSACTION);
  event.mutable_new_transaction()->set_txid(std::string(64, 'a'));
  event.mutable_new_transaction()->set_size(250);
  event.mutable_new_transaction()->set_fee(5000);
  return host::serializeEvent(event);
}

void publishBench(benchmark::State& state, bool oneStalled, bool filtered = false) {
  const auto subscribers = static_cast<int>(state.range(0));
  const auto type = filtered ? v1::EVENT_TYPE_NEW_TRANSACTION : v1::EVENT_TYPE_MESSAGE_RECEIVED;
  NullSink sink;
  host::EventManager em(sink, {});
  std::vector<std::string> ids;
  for (int i = 0; i < subscribers; ++i) {
    host::ModuleAttachment module;
    module.moduleId = "m" + std::to_string(i);
    module.capacity = kCapacity;
    em.attach(module);
    std::vector<host::FilterRequest> filters;
    if (filtered) {
      filters.push_back({type, "fee >= " + std::to_string(1000 + i) +
                                   " and size < 100000 and txid prefix \"a\""});
    }
    auto outcome = em.subscribe(module.moduleId, std::vector{type}, filters);
    if (!outcome.ok() || !outcome->refused.empty()) {
      state.SkipWithError("subscribe failed");
      return;
    }
    ids.push_back(module.moduleId);
  }
  const auto body = filtered ? transactionBody() : body256();
  std::uint64_t seq = 0;
  std::int64_t sinceAck = 0;
  const std::uint64_t allocsBefore = allocationCount();
  std::uint64_t allocsOutside = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(em.publish(type, body));
    ++seq;
    if (++sinceAck == kAckEvery) {
      state.PauseTiming();
      const std::uint64_t before = allocationCount();
      em.flush();
      for (std::size_t i = oneStalled ? 1 : 0; i < ids.size(); ++i)
        (void)em.ack(ids[i], seq);
      allocsOutside += allocationCount() - before;
      sinceAck = 0;
      state.ResumeTiming();
    }
  }
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(allocationCount() - allocsBefore - allocsOutside) /
                         static_cast<double>(state.iterations()));
  if (oneStalled) {
    state.counters["stalled_channel_full"] = static_cast<double>(em.stats(ids[0])->channel_full());
  }
}

void BM_EventManagerPublish(benchmark::State& state) {
  publishBench(state, false);
}
void BM_EventManagerPublishOneStalled(benchmark::State& state) {
  publishBench(state, true);
}

BENCHMARK(BM_EventManagerPublish)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_EventManagerPublishOneStalled)->Arg(64)->Repetitions(5)->ReportAggregatesOnly(true);
void BM_EventManagerPublishFilteredOneStalled(benchmark::State& state) {
  publishBench(state, true, true);
}
BENCHMARK(BM_EventManagerPublishFilteredOneStalled)
    ->Arg(64)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

// The in-process publisher's own cost per event: stamp and serialize once.
void BM_StampAndSerializeEvent(benchmark::State& state) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_MESSAGE_RECEIVED);
  event.mutable_message_received()->set_payload(
      std::string(static_cast<std::size_t>(state.range(0)), 'x'));
  const std::uint64_t before = allocationCount();
  for (auto _ : state) {
    host::stampEvent(event, "host");
    benchmark::DoNotOptimize(host::serializeEvent(event));
  }
  reportAllocations(state, before);
}
BENCHMARK(BM_StampAndSerializeEvent)->Arg(256);

}  // namespace
}  // namespace plexus::bench

namespace plexus::bench {
namespace {

// The block-policy steady state of plexus-bench: 4 block subscribers with capacity 100 are full,
// every publish waits; an ack of a whole window admits 100 waiting events per module and
// resolves their publishers. Per published event.
struct CountingWaiter : host::PublishWaiter {
  void onPublishDone(std::uint64_t, const host::PublishReport&) override { ++done; }
  std::uint64_t done = 0;
};

void BM_EventManagerBlockCycle(benchmark::State& state) {
  NullSink sink;
  host::EventManager em(sink, {});
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    host::ModuleAttachment module;
    module.moduleId = "b" + std::to_string(i);
    module.capacity = 100;
    module.policy = host::DeliveryPolicy::Block;
    em.attach(module);
    (void)em.subscribe(module.moduleId, std::vector{v1::EVENT_TYPE_MESSAGE_RECEIVED});
    ids.push_back(module.moduleId);
  }
  CountingWaiter waiter;
  const auto body = body256();
  for (int i = 0; i < 100; ++i)
    em.publish(v1::EVENT_TYPE_MESSAGE_RECEIVED, body, {&waiter, 0});
  em.flush();
  std::uint64_t acked = 0;
  const std::uint64_t before = allocationCount();
  for (auto _ : state) {
    for (int i = 0; i < 100; ++i)
      em.publish(v1::EVENT_TYPE_MESSAGE_RECEIVED, body, {&waiter, 0});
    acked += 100;
    for (const auto& id : ids)
      (void)em.ack(id, acked);
    em.flush();
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.counters["allocs/event"] =
      benchmark::Counter(static_cast<double>(allocationCount() - before) /
                         static_cast<double>(state.iterations() * 100));
}
BENCHMARK(BM_EventManagerBlockCycle);

}  // namespace
}  // namespace plexus::bench
