// The Event an operator publishes: payload parsed from JSON into exactly the oneof field the
// type requires, for every type, and parser errors as values.

#include "plexus/ctl/event_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plexus/ipc/event_types.h"

namespace plexus::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CtlEventBuilder, NewBlockRoundTrip) {
  auto event = buildEvent(v1::EVENT_TYPE_NEW_BLOCK, R"({"hash":"00ab","height":5})");
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->type(), v1::EVENT_TYPE_NEW_BLOCK);
  ASSERT_EQ(event->payload_case(), v1::Event::kNewBlock);
  EXPECT_EQ(event->new_block().hash(), "00ab");
  EXPECT_EQ(event->new_block().height(), 5u);
  EXPECT_EQ(event->new_block().time_unix_s(), 0);
  EXPECT_TRUE(ipc::checkPayloadMatchesType(*event).ok());

  // Through the wire format and back, as the node receives it.
  v1::Event decoded;
  ASSERT_TRUE(decoded.ParseFromString(event->SerializeAsString()));
  EXPECT_EQ(decoded.new_block().hash(), "00ab");
  EXPECT_EQ(decoded.new_block().height(), 5u);
}

TEST(CtlEventBuilder, AcceptsJsonNamesAndStringIntegers) {
  auto event = buildEvent(v1::EVENT_TYPE_NEW_BLOCK, R"({"timeUnixS":"1700000000","height":"7"})");
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->new_block().time_unix_s(), 1700000000);
  EXPECT_EQ(event->new_block().height(), 7u);
}

TEST(CtlEventBuilder, EveryTypeGetsItsOwnPayloadField) {
  for (v1::EventType type : ipc::allEventTypes()) {
    auto event = buildEvent(type, "{}");
    ASSERT_TRUE(event.ok()) << ipc::displayName(type) << ": " << event.error().message;
    EXPECT_EQ(event->type(), type);
    EXPECT_EQ(static_cast<int>(event->payload_case()), ipc::payloadFieldNumber(type))
        << ipc::displayName(type);
    EXPECT_TRUE(ipc::checkPayloadMatchesType(*event).ok()) << ipc::displayName(type);
  }
}

TEST(CtlEventBuilder, EmptyPayloadStillSelectsTheOneofOnTheWire) {
  auto event = buildEvent(v1::EVENT_TYPE_PEER_CONNECTED, "{}");
  ASSERT_TRUE(event.ok());
  v1::Event decoded;
  ASSERT_TRUE(decoded.ParseFromString(event->SerializeAsString()));
  EXPECT_EQ(decoded.payload_case(), v1::Event::kPeerConnected);
}

TEST(CtlEventBuilder, PayloadOfAnotherTypeIsRejected) {
  // "txid" belongs to NewTransaction; strict parsing refuses it for NewBlock.
  auto event = buildEvent(v1::EVENT_TYPE_NEW_BLOCK, R"({"txid":"ff"})");
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_THAT(event.error().message, HasSubstr("txid"));
}

TEST(CtlEventBuilder, BadJsonIsAnErrorWithTheParserMessage) {
  for (const char* bad : {"{", "not json", R"({"height":"five"})", R"({"height":-1})", "[]"}) {
    auto event = buildEvent(v1::EVENT_TYPE_NEW_BLOCK, bad);
    ASSERT_FALSE(event.ok()) << bad;
    EXPECT_EQ(event.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_THAT(event.error().message, HasSubstr("invalid JSON payload for NewBlock (NewBlock): "));
    // The parser's own explanation follows the prefix.
    EXPECT_GT(event.error().message.size(),
              std::string("invalid JSON payload for NewBlock (NewBlock): ").size())
        << bad;
  }
}

TEST(CtlEventBuilder, ParserMessageIsOneLineWithThePlace) {
  auto truncated = buildEvent(v1::EVENT_TYPE_NEW_BLOCK, R"({"hash":)");
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(truncated.error().message, Not(HasSubstr("\n")));
  EXPECT_THAT(truncated.error().message, HasSubstr("at the end of the input"));
  auto badToken = buildEvent(v1::EVENT_TYPE_NEW_BLOCK, R"({"height": x})");
  ASSERT_FALSE(badToken.ok());
  EXPECT_THAT(badToken.error().message, Not(HasSubstr("\n")));
  EXPECT_THAT(badToken.error().message, HasSubstr("(at 'x}')"));
}

TEST(CtlEventBuilder, InvalidTypeIsAnError) {
  EXPECT_FALSE(buildEvent(v1::EVENT_TYPE_UNSPECIFIED, "{}").ok());
  EXPECT_FALSE(buildEvent(static_cast<v1::EventType>(999), "{}").ok());
}

}  // namespace
}  // namespace plexus::ctl
