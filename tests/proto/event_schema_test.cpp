// The schema rule of events.proto, proven by descriptor reflection: every EventType except
// UNSPECIFIED has exactly one payload field in Event.payload, named as the type in snake_case,
// numbered 100 + the type; and no payload field is left without a type.

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>
#include <plexus/v1/events.pb.h>

#include <cctype>
#include <set>

#include "plexus/ipc/event_types.h"

namespace plexus {
namespace {

std::string snakeCase(const std::string& enumName) {
  std::string out = enumName.substr(std::string("EVENT_TYPE_").size());
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TEST(EventSchemaTest, EveryEventTypeHasExactlyOneMatchingPayload) {
  const auto* types = v1::EventType_descriptor();
  const auto* payload = v1::Event::descriptor()->FindOneofByName("payload");
  ASSERT_NE(payload, nullptr);
  std::set<int> fieldsSeen;
  for (int i = 0; i < types->value_count(); ++i) {
    const auto* value = types->value(i);
    if (value->number() == v1::EVENT_TYPE_UNSPECIFIED) continue;
    SCOPED_TRACE(value->name());
    int matches = 0;
    for (int f = 0; f < payload->field_count(); ++f) {
      if (payload->field(f)->name() == snakeCase(value->name())) {
        ++matches;
        EXPECT_EQ(payload->field(f)->number(),
                  ipc::payloadFieldNumber(static_cast<v1::EventType>(value->number())));
        EXPECT_EQ(payload->field(f)->type(), google::protobuf::FieldDescriptor::TYPE_MESSAGE);
        fieldsSeen.insert(payload->field(f)->number());
      }
    }
    EXPECT_EQ(matches, 1);
  }
  EXPECT_EQ(static_cast<int>(fieldsSeen.size()), payload->field_count())
      << "a payload field has no event type";
  EXPECT_EQ(types->value_count() - 1, payload->field_count());
}

TEST(EventSchemaTest, PayloadCheckAcceptsTheMatchAndRejectsEverythingElse) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_FALSE(ipc::checkPayloadMatchesType(event).ok()) << "no payload";
  event.mutable_new_block()->set_height(1);
  EXPECT_TRUE(ipc::checkPayloadMatchesType(event).ok());
  event.mutable_new_transaction()->set_txid("t");
  auto mismatch = ipc::checkPayloadMatchesType(event);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  event.set_type(v1::EVENT_TYPE_UNSPECIFIED);
  EXPECT_FALSE(ipc::checkPayloadMatchesType(event).ok());
  event.set_type(static_cast<v1::EventType>(999));
  EXPECT_FALSE(ipc::checkPayloadMatchesType(event).ok());
}

TEST(EventSchemaTest, HostOnlyAndLaneClassification) {
  using namespace v1;
  for (auto t : {EVENT_TYPE_NEW_BLOCK, EVENT_TYPE_GOVERNANCE_FORK_DETECTED,
                 EVENT_TYPE_BROADCAST_COMPLETED}) {
    EXPECT_FALSE(ipc::isHostOnly(t)) << EventType_Name(t);
    EXPECT_FALSE(ipc::isLifecycleLane(t)) << EventType_Name(t);
  }
  for (auto t : {EVENT_TYPE_MODULE_LOADED, EVENT_TYPE_MODULE_HEALTH_CHANGED,
                 EVENT_TYPE_NODE_STARTUP, EVENT_TYPE_NODE_SHUTDOWN_COMPLETED}) {
    EXPECT_TRUE(ipc::isHostOnly(t)) << EventType_Name(t);
    EXPECT_TRUE(ipc::isLifecycleLane(t)) << EventType_Name(t);
  }
  for (auto t : {EVENT_TYPE_DATA_MAINTENANCE, EVENT_TYPE_HEALTH_CHECK, EVENT_TYPE_DISK_SPACE_LOW,
                 EVENT_TYPE_RESOURCE_LIMIT_WARNING}) {
    EXPECT_TRUE(ipc::isHostOnly(t)) << EventType_Name(t);
    EXPECT_FALSE(ipc::isLifecycleLane(t)) << EventType_Name(t);
  }
}

TEST(EventSchemaTest, DisplayNamesRoundTrip) {
  EXPECT_EQ(ipc::displayName(v1::EVENT_TYPE_NEW_BLOCK), "NewBlock");
  EXPECT_EQ(ipc::displayName(v1::EVENT_TYPE_GOVERNANCE_PROPOSAL_CREATED),
            "GovernanceProposalCreated");
  for (auto type : ipc::allEventTypes()) {
    EXPECT_EQ(ipc::parseEventType(ipc::displayName(type)), type);
    EXPECT_EQ(ipc::parseEventType(v1::EventType_Name(type)), type);
  }
  EXPECT_EQ(ipc::parseEventType("new_block"), v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_FALSE(ipc::parseEventType("Unspecified").has_value());
  EXPECT_FALSE(ipc::parseEventType("NoSuchEvent").has_value());
  EXPECT_FALSE(ipc::parseEventType("").has_value());
}

}  // namespace
}  // namespace plexus
