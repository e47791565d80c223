// compileEventFilter on the real plexus.v1.Event payloads: every type with a payload compiles,
// types without one are refused, and filters read the payload and the event's source.

#include <gtest/gtest.h>

#include <string>

#include "filter/filter.h"
#include "plexus/ipc/event_types.h"

namespace plexus::filter {
namespace {

bool matches(const std::string& text, const v1::Event& event) {
  CompileResult result = compileEventFilter(text, event.type());
  EXPECT_TRUE(result) << text << ": " << describe(result.error);
  return result && result.filter->matches(event);
}

v1::Event newTransaction(const std::string& txid, std::uint64_t size, std::uint64_t fee) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_TRANSACTION);
  event.set_source("chainsim");
  event.mutable_new_transaction()->set_txid(txid);
  event.mutable_new_transaction()->set_size(size);
  event.mutable_new_transaction()->set_fee(fee);
  return event;
}

TEST(EventFilterTest, EveryTypeWithAPayloadCompilesSource) {
  for (v1::EventType type : ipc::allEventTypes()) {
    CompileResult result = compileEventFilter("source == \"x\"", type);
    EXPECT_TRUE(result) << ipc::displayName(type) << ": " << describe(result.error);
  }
}

TEST(EventFilterTest, TypesWithoutAPayloadAreRefused) {
  for (int value : {0, 5, 99, 999, -1}) {
    CompileResult result = compileEventFilter("source == \"x\"", static_cast<v1::EventType>(value));
    ASSERT_FALSE(result) << value;
    EXPECT_EQ(result.error.column, 0u);
    EXPECT_EQ(describe(result.error),
              "event type " + std::to_string(value) + " has no payload to filter");
  }
}

TEST(EventFilterTest, NewTransactionFeeSizeTxid) {
  const std::string text = "fee >= 1000 and size < 100000 and txid prefix \"ab\"";
  EXPECT_TRUE(matches(text, newTransaction("abcd", 250, 1000)));
  EXPECT_FALSE(matches(text, newTransaction("abcd", 250, 999)));
  EXPECT_FALSE(matches(text, newTransaction("abcd", 100000, 5000)));
  EXPECT_FALSE(matches(text, newTransaction("bacd", 250, 5000)));
  EXPECT_TRUE(
      matches("source == \"chainsim\" and txid suffix \"cd\"", newTransaction("abcd", 1, 1)));
}

TEST(EventFilterTest, StringsEnumsBoolsAndBytesOfRealPayloads) {
  v1::Event banned;
  banned.set_type(v1::EVENT_TYPE_PEER_BANNED);
  banned.mutable_peer_banned()->set_peer_id("peer-7");
  banned.mutable_peer_banned()->set_reason("spam flood");
  banned.mutable_peer_banned()->set_until_unix_s(-1);
  EXPECT_TRUE(
      matches("reason contains \"spam\" and peer_id in {\"peer-7\", \"peer-8\"} and "
              "until_unix_s < 0",
              banned));

  v1::Event maintenance;
  maintenance.set_type(v1::EVENT_TYPE_DATA_MAINTENANCE);
  maintenance.mutable_data_maintenance()->set_urgency(v1::URGENCY_HIGH);
  maintenance.mutable_data_maintenance()->set_operation(v1::MAINTENANCE_OPERATION_FLUSH);
  EXPECT_TRUE(matches("urgency == URGENCY_HIGH and operation in {FLUSH}", maintenance));
  EXPECT_FALSE(matches("urgency in {LOW, MEDIUM}", maintenance));

  v1::Event voted;
  voted.set_type(v1::EVENT_TYPE_GOVERNANCE_PROPOSAL_VOTED);
  voted.mutable_governance_proposal_voted()->set_approve(true);
  EXPECT_TRUE(matches("approve == true and voter == \"\"", voted));

  v1::Event received;
  received.set_type(v1::EVENT_TYPE_MESSAGE_RECEIVED);
  received.mutable_message_received()->set_command("inv");
  received.mutable_message_received()->set_payload(std::string("\x00\x01\x02", 3));
  EXPECT_TRUE(
      matches("command == \"inv\" and payload != \"\" and not payload contains \"x\"", received));

  v1::Event reorg;
  reorg.set_type(v1::EVENT_TYPE_CHAIN_REORG);
  reorg.mutable_chain_reorg()->set_depth(7);
  EXPECT_TRUE(matches("depth in [5, 10] and fork_height == 0", reorg));
}

TEST(EventFilterTest, AnEventWithAnotherPayloadReadsDefaults) {
  CompileResult result =
      compileEventFilter("fee == 0 and txid == \"\"", v1::EVENT_TYPE_NEW_TRANSACTION);
  ASSERT_TRUE(result);
  v1::Event block;
  block.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  block.mutable_new_block()->set_height(3);
  EXPECT_TRUE(result.filter->matches(block));
}

TEST(EventFilterTest, ErrorsNameThePayloadType) {
  CompileResult result = compileEventFilter("height > 1", v1::EVENT_TYPE_NEW_TRANSACTION);
  ASSERT_FALSE(result);
  EXPECT_EQ(describe(result.error), "column 1: unknown field 'height' in plexus.v1.NewTransaction");
  result = compileEventFilter("published_mono_ns > 1", v1::EVENT_TYPE_NEW_BLOCK);
  ASSERT_FALSE(result);
  EXPECT_EQ(describe(result.error),
            "column 1: unknown field 'published_mono_ns' in plexus.v1.NewBlock")
      << "of the event itself, only `source`";
}

}  // namespace
}  // namespace plexus::filter
