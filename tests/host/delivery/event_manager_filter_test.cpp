// EventManager content filters (docs/filters.md): a filtered-out event takes no slot and no
// sequence number and counts as filtered, outside routed; a bad filter refuses its type only;
// a later Subscribe replaces the filter; the configuration's filter narrows the module's; sticky
// replays and taps go through the same filters; the publish report leaves filtered subscribers out.

#include <memory>

#include "event_manager_fixture.h"
#include "filter/filter.h"

namespace plexus::host {
namespace {

std::vector<FilterRequest> filterOn(v1::EventType type, std::string expression) {
  return {{type, std::move(expression)}};
}

std::shared_ptr<const filter::Filter> compiled(v1::EventType type, std::string_view text) {
  auto result = filter::compileEventFilter(text, type);
  EXPECT_TRUE(result.filter) << filter::describe(result.error);
  return result.filter;
}

class EventManagerFilterTest : public EventManagerTest {
 public:
  const std::vector<v1::EventType> kBlocks{v1::EVENT_TYPE_NEW_BLOCK};

  // Loads `id` subscribed to NewBlock with `expression` (empty: unfiltered).
  void loadFiltered(const std::string& id, std::uint32_t capacity, const std::string& expression) {
    attach(id, capacity);
    auto outcome =
        em.subscribe(id, kBlocks,
                     expression.empty() ? std::vector<FilterRequest>{}
                                        : filterOn(v1::EVENT_TYPE_NEW_BLOCK, expression));
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_TRUE(outcome->refused.empty()) << outcome->refused.front().reason;
    em.flush();
  }
};

TEST_F(EventManagerFilterTest, AFilteredOutEventTakesNoSlotNoSeqAndCountsAsFiltered) {
  loadFiltered("even", 2, "height in {2, 4, 6, 8}");
  loadFiltered("all", 100, "");
  for (int i = 1; i <= 8; ++i) {
    const auto report = publishBlock(i);
    ASSERT_TRUE(report.has_value());
    const bool match = i % 2 == 0;
    EXPECT_EQ(report->subscribers, match ? 2u : 1u) << i;
    EXPECT_EQ(report->filtered, match ? 0u : 1u) << i;
    EXPECT_EQ(report->subscribers,
              report->accepted + report->dropped + report->failed + report->timedOut);
    expectInvariants();
    em.flush();
    if (match) {
      ASSERT_TRUE(em.ack("even", lastEventSeq("even")).ok());
    }
  }
  EXPECT_EQ(sink.heights("even"), (std::vector<std::uint64_t>{2, 4, 6, 8}));
  const auto events = sink.lane("even", v1::LANE_EVENT);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, i + 1) << "no sequence number for filtered events";
    EXPECT_EQ(events[i].droppedBefore, 0u);
  }
  const auto s = stats("even");
  EXPECT_EQ(s.filtered(), 4u);
  EXPECT_EQ(s.routed(), 4u);
  EXPECT_EQ(s.channel_full(), 0u) << "a capacity of 2 sufficed: filtered events took no slot";
  EXPECT_EQ(stats("all").routed(), 8u);
  EXPECT_EQ(stats("all").filtered(), 0u);
  expectInvariants();
}

TEST_F(EventManagerFilterTest, ABadFilterRefusesItsTypeOnlyAndTheModuleLoads) {
  attach("m", 10);
  const std::vector<v1::EventType> types{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION,
                                         v1::EVENT_TYPE_MODULE_LOADED};
  const std::vector<FilterRequest> filters{{v1::EVENT_TYPE_NEW_TRANSACTION, "fe >= 1000"},
                                           {v1::EVENT_TYPE_NEW_BLOCK, "height > 5"}};
  auto outcome = em.subscribe("m", types, filters);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_TRUE(outcome->loaded);
  EXPECT_EQ(outcome->subscribed,
            (std::vector<v1::EventType>{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_MODULE_LOADED}));
  ASSERT_EQ(outcome->refused.size(), 1u);
  EXPECT_EQ(outcome->refused[0].type, v1::EVENT_TYPE_NEW_TRANSACTION);
  EXPECT_EQ(outcome->refused[0].column, 1u);
  EXPECT_NE(outcome->refused[0].reason.find("column 1"), std::string::npos)
      << outcome->refused[0].reason;
  EXPECT_NE(outcome->refused[0].reason.find("'fe'"), std::string::npos)
      << outcome->refused[0].reason;
  EXPECT_EQ(em.filterOf("m", v1::EVENT_TYPE_NEW_BLOCK), "height > 5");
  EXPECT_TRUE(em.subscribers(v1::EVENT_TYPE_NEW_TRANSACTION).empty());
}

TEST(CompileSubscribeTest, AFilterCompiledAlreadyIsUsedAsIs) {
  const std::vector<v1::EventType> types{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION};
  const auto blocks = compiled(v1::EVENT_TYPE_NEW_BLOCK, "height > 5");
  const std::vector<FilterRequest> filters{
      {v1::EVENT_TYPE_NEW_BLOCK, "height > 5", blocks},
      {v1::EVENT_TYPE_NEW_TRANSACTION, "fee > 1", nullptr}};  // compiled here
  const CompiledSubscribe out = compileSubscribe(types, filters);
  EXPECT_TRUE(out.refused.empty());
  ASSERT_EQ(out.accepted.size(), 2u);
  EXPECT_EQ(out.accepted[0].filter, blocks) << "the same filter, not compiled again";
  ASSERT_TRUE(out.accepted[1].filter);
  EXPECT_EQ(out.accepted[1].filter->text(), "fee > 1");
}

TEST_F(EventManagerFilterTest, LifecycleTypesAndStrayOrDuplicateFiltersAreRefused) {
  attach("m", 10);
  const std::vector<v1::EventType> types{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_MODULE_LOADED,
                                         v1::EVENT_TYPE_PEER_BANNED};
  const std::vector<FilterRequest> filters{
      {v1::EVENT_TYPE_MODULE_LOADED, "source == \"host\""},
      {v1::EVENT_TYPE_NEW_TRANSACTION, "fee > 1"},  // not in types
      {v1::EVENT_TYPE_PEER_BANNED, "source == \"a\""},
      {v1::EVENT_TYPE_PEER_BANNED, "source == \"b\""}};
  auto outcome = em.subscribe("m", types, filters);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->subscribed, std::vector<v1::EventType>{v1::EVENT_TYPE_NEW_BLOCK});
  ASSERT_EQ(outcome->refused.size(), 3u);
  EXPECT_EQ(outcome->refused[0].type, v1::EVENT_TYPE_MODULE_LOADED);
  EXPECT_NE(outcome->refused[0].reason.find("lifecycle"), std::string::npos);
  EXPECT_EQ(outcome->refused[1].type, v1::EVENT_TYPE_NEW_TRANSACTION);
  EXPECT_NE(outcome->refused[1].reason.find("does not list"), std::string::npos);
  EXPECT_EQ(outcome->refused[2].type, v1::EVENT_TYPE_PEER_BANNED);
  EXPECT_NE(outcome->refused[2].reason.find("more than one filter"), std::string::npos);
}

TEST_F(EventManagerFilterTest, ALaterSubscribeReplacesOrClearsTheFilterAndARefusalKeepsTheOld) {
  loadFiltered("m", 100, "height > 10");
  publishBlock(5);
  publishBlock(11);
  ASSERT_TRUE(em.subscribe("m", kBlocks, filterOn(v1::EVENT_TYPE_NEW_BLOCK, "height < 3")).ok());
  publishBlock(2);
  publishBlock(12);
  // A filter that does not compile leaves the subscription and its filter as they were.
  auto refused = em.subscribe("m", kBlocks, filterOn(v1::EVENT_TYPE_NEW_BLOCK, "height <"));
  ASSERT_TRUE(refused.ok());
  ASSERT_EQ(refused->refused.size(), 1u);
  EXPECT_EQ(em.filterOf("m", v1::EVENT_TYPE_NEW_BLOCK), "height < 3");
  publishBlock(1);
  publishBlock(13);
  // Subscribing without a filter clears it.
  ASSERT_TRUE(em.subscribe("m", kBlocks).ok());
  EXPECT_EQ(em.filterOf("m", v1::EVENT_TYPE_NEW_BLOCK), "");
  publishBlock(14);
  em.flush();
  EXPECT_EQ(sink.heights("m"), (std::vector<std::uint64_t>{11, 2, 1, 14}));
  EXPECT_EQ(stats("m").filtered(), 3u);
  expectInvariants();
}

TEST_F(EventManagerFilterTest, TheConfigurationsFilterNarrowsTheModulesAndOutlivesItsSubscribe) {
  ModuleAttachment module;
  module.moduleId = "m";
  module.capacity = 100;
  module.configFilters.push_back(
      {v1::EVENT_TYPE_NEW_BLOCK, compiled(v1::EVENT_TYPE_NEW_BLOCK, "height >= 10")});
  em.attach(module);
  // Not subscribed by the configuration: nothing arrives before the module asks.
  publishBlock(20);
  ASSERT_TRUE(em.subscribe("m", kBlocks, filterOn(v1::EVENT_TYPE_NEW_BLOCK, "height <= 20")).ok());
  EXPECT_EQ(em.filterOf("m", v1::EVENT_TYPE_NEW_BLOCK), "(height >= 10) and (height <= 20)");
  for (std::uint64_t h : {5, 10, 20, 25})
    publishBlock(h);
  // The module clears its own filter; the configuration's stays.
  ASSERT_TRUE(em.subscribe("m", kBlocks).ok());
  EXPECT_EQ(em.filterOf("m", v1::EVENT_TYPE_NEW_BLOCK), "height >= 10");
  for (std::uint64_t h : {6, 30})
    publishBlock(h);
  em.flush();
  EXPECT_EQ(sink.heights("m"), (std::vector<std::uint64_t>{10, 20, 30}));
  EXPECT_EQ(stats("m").filtered(), 3u);
  expectInvariants();
}

TEST_F(EventManagerFilterTest, AStickyEventReplaysOnlyWhenItMatches) {
  v1::Event low = hostEvent(v1::EVENT_TYPE_DISK_SPACE_LOW);
  low.mutable_disk_space_low()->set_free_bytes(100);
  em.publishSticky(v1::EVENT_TYPE_DISK_SPACE_LOW, serializeEvent(low));
  const std::vector<v1::EventType> types{v1::EVENT_TYPE_DISK_SPACE_LOW};
  attach("wants-little", 10);
  ASSERT_TRUE(em.subscribe("wants-little", types,
                           filterOn(v1::EVENT_TYPE_DISK_SPACE_LOW, "free_bytes < 50"))
                  .ok());
  attach("wants-more", 10);
  ASSERT_TRUE(
      em.subscribe("wants-more", types, filterOn(v1::EVENT_TYPE_DISK_SPACE_LOW, "free_bytes < 500"))
          .ok());
  em.flush();
  EXPECT_TRUE(sink.lane("wants-little", v1::LANE_EVENT).empty());
  EXPECT_EQ(stats("wants-little").filtered(), 1u);
  EXPECT_EQ(sink.lane("wants-more", v1::LANE_EVENT).size(), 1u);
  expectInvariants();
}

TEST_F(EventManagerFilterTest, AFilteredOutEventNeverWaitsForAFullBlockSubscriber) {
  attach("slow", 1, DeliveryPolicy::Block);
  ASSERT_TRUE(
      em.subscribe("slow", kBlocks, filterOn(v1::EVENT_TYPE_NEW_BLOCK, "height > 100")).ok());
  publishBlock(101);  // takes its only slot
  struct Waiter : PublishWaiter {
    void onPublishDone(std::uint64_t, const PublishReport&) override { ++calls; }
    int calls = 0;
  } waiter;
  const auto report = publishBlock(7, &waiter, 1);
  ASSERT_TRUE(report.has_value()) << "filtered out: nothing to wait for";
  EXPECT_EQ(report->filtered, 1u);
  EXPECT_TRUE(report->delivered());
  EXPECT_FALSE(publishBlock(102, &waiter, 2).has_value()) << "a match waits for room";
  expectInvariants();
}

}  // namespace
}  // namespace plexus::host
