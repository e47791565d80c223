// Content filters (issue 12, host/src/filter): evaluating a compiled filter on a parsed event,
// which EventManager::publish does per filtered subscriber, and compiling one, which a
// Subscribe does. Target (docs/filters.md): a three-clause filter under 40 ns, no allocation.

#include <benchmark/benchmark.h>
#include <google/protobuf/dynamic_message.h>

#include <memory>
#include <string_view>

#include "alloc_counter.h"
#include "filter/filter.h"

namespace plexus::bench {
namespace {

constexpr const char* kThreeClauses = "fee >= 1000 and size < 100000 and txid prefix \"ab\"";

// A NewTransaction as EventManager::publish would hold it: parsed from its wire bytes.
v1::Event parsedTransaction(std::uint64_t fee) {
  v1::Event original;
  original.set_type(v1::EVENT_TYPE_NEW_TRANSACTION);
  original.set_source("chainsim");
  original.mutable_new_transaction()->set_txid(
      "ab34f00dab34f00dab34f00dab34f00dab34f00dab34f00dab34f00dab34f00d");
  original.mutable_new_transaction()->set_size(250);
  original.mutable_new_transaction()->set_fee(fee);
  v1::Event parsed;
  parsed.ParseFromString(original.SerializeAsString());
  return parsed;
}

void matchLoop(benchmark::State& state, const char* text, const v1::Event& event) {
  auto compiled = filter::compileEventFilter(text, v1::EVENT_TYPE_NEW_TRANSACTION);
  if (!compiled) {
    state.SkipWithError(filter::describe(compiled.error).c_str());
    return;
  }
  const filter::Filter& f = *compiled.filter;
  const std::uint64_t before = allocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.matches(event));
  }
  reportAllocations(state, before);
}

// All three clauses run (the event passes).
void BM_FilterThreeClauses(benchmark::State& state) {
  matchLoop(state, kThreeClauses, parsedTransaction(5000));
}
BENCHMARK(BM_FilterThreeClauses)->Repetitions(5)->ReportAggregatesOnly(true);

// The first clause decides (the event is filtered out).
void BM_FilterFirstClauseFails(benchmark::State& state) {
  matchLoop(state, kThreeClauses, parsedTransaction(10));
}
BENCHMARK(BM_FilterFirstClauseFails)->Repetitions(5)->ReportAggregatesOnly(true);

// One clause on the event's own `source`, one set of eight strings.
void BM_FilterSourceSet(benchmark::State& state) {
  matchLoop(state,
            "source in {\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"chainsim\", \"h\"} and "
            "fee > 0",
            parsedTransaction(5000));
}
BENCHMARK(BM_FilterSourceSet)->Repetitions(5)->ReportAggregatesOnly(true);

// The same three clauses on a DynamicMessage of v1::Event: every read through Reflection (what
// fields without a typed read in event_accessors.cpp cost).
void BM_FilterThreeClausesReflection(benchmark::State& state) {
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> event(
      factory.GetPrototype(v1::Event::descriptor())->New());
  event->ParseFromString(parsedTransaction(5000).SerializeAsString());
  auto compiled = filter::compileEventFilter(kThreeClauses, v1::EVENT_TYPE_NEW_TRANSACTION);
  const std::uint64_t before = allocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(compiled.filter->matches(*event));
  }
  reportAllocations(state, before);
}
BENCHMARK(BM_FilterThreeClausesReflection)->Repetitions(5)->ReportAggregatesOnly(true);

// The floor: the same test written with the generated accessors.
void BM_FilterThreeClausesHandWritten(benchmark::State& state) {
  const v1::Event event = parsedTransaction(5000);
  const google::protobuf::Message& message = event;
  for (auto _ : state) {
    const auto& tx = static_cast<const v1::Event&>(message).new_transaction();
    benchmark::DoNotOptimize(tx.fee() >= 1000 && tx.size() < 100000 &&
                             std::string_view(tx.txid()).starts_with("ab"));
  }
}
BENCHMARK(BM_FilterThreeClausesHandWritten)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_FilterCompile(benchmark::State& state) {
  for (auto _ : state) {
    auto compiled = filter::compileEventFilter(kThreeClauses, v1::EVENT_TYPE_NEW_TRANSACTION);
    benchmark::DoNotOptimize(compiled.filter.get());
  }
}
BENCHMARK(BM_FilterCompile)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace
}  // namespace plexus::bench
