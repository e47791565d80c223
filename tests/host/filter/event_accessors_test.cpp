// The typed reads of the plexus.v1 event fields (host/src/filter/event_accessors.h): every field
// a filter can reach has one and it reads what Reflection reads; and a filter reads a
// DynamicMessage of v1::Event (Reflection all the way) as it reads the generated class.

#include "filter/event_accessors.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "filter/filter.h"
#include "plexus/ipc/event_types.h"

namespace plexus::filter {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const FieldDescriptor& payloadOf(v1::EventType type) {
  return *v1::Event::descriptor()->FindFieldByNumber(ipc::payloadFieldNumber(type));
}

// Gives every field of `message` a value of its own, unlike any default.
void populate(Message& message) {
  const Reflection& reflection = *message.GetReflection();
  const auto& type = *message.GetDescriptor();
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    const int n = field->number();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        reflection.SetInt32(&message, field, -100 - n);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        reflection.SetInt64(&message, field, -5000000000 - n);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        reflection.SetUInt32(&message, field, 4000000000u + n);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        reflection.SetUInt64(&message, field, 10000000000000000000u + n);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        reflection.SetFloat(&message, field, 0.5f + static_cast<float>(n));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        reflection.SetDouble(&message, field, 0.25 + n);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        reflection.SetBool(&message, field, true);
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        reflection.SetEnumValue(
            &message, field,
            field->enum_type()->value(field->enum_type()->value_count() - 1)->number());
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        reflection.SetString(&message, field, "value of " + field->name());
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
  }
}

// The typed read of `field` on `message` agrees with Reflection's.
void expectSameRead(const FieldDescriptor& field, const Message& message) {
  const FastRead read = fastRead(field);
  const Reflection& reflection = *message.GetReflection();
  const std::string where = field.full_name();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      ASSERT_NE(read.int64, nullptr) << where;
      EXPECT_EQ(read.int64(message), reflection.GetInt32(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      ASSERT_NE(read.int64, nullptr) << where;
      EXPECT_EQ(read.int64(message), reflection.GetInt64(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      ASSERT_NE(read.uint64, nullptr) << where;
      EXPECT_EQ(read.uint64(message), reflection.GetUInt32(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      ASSERT_NE(read.uint64, nullptr) << where;
      EXPECT_EQ(read.uint64(message), reflection.GetUInt64(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      ASSERT_NE(read.real, nullptr) << where;
      EXPECT_EQ(read.real(message), reflection.GetFloat(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      ASSERT_NE(read.real, nullptr) << where;
      EXPECT_EQ(read.real(message), reflection.GetDouble(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      ASSERT_NE(read.boolean, nullptr) << where;
      EXPECT_EQ(read.boolean(message), reflection.GetBool(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      ASSERT_NE(read.int64, nullptr) << where;
      EXPECT_EQ(read.int64(message), reflection.GetEnumValue(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      ASSERT_NE(read.string, nullptr) << where;
      EXPECT_EQ(read.string(message), reflection.GetString(message, &field)) << where;
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      ASSERT_NE(read.message, nullptr) << where;
      EXPECT_EQ(&read.message(message), &reflection.GetMessage(message, &field)) << where;
      break;
  }
}

TEST(EventAccessorsTest, EveryFieldAFilterReachesHasATypedRead) {
  const auto& event = *v1::Event::descriptor();
  const FastRead source = fastRead(*event.FindFieldByName("source"));
  EXPECT_NE(source.string, nullptr);
  for (v1::EventType type : ipc::allEventTypes()) {
    const FieldDescriptor& payload = payloadOf(type);
    EXPECT_NE(fastRead(payload).message, nullptr)
        << payload.full_name() << ": add it to event_accessors.cpp";
    const auto& fields = *payload.message_type();
    for (int i = 0; i < fields.field_count(); ++i) {
      const FastRead read = fastRead(*fields.field(i));
      const int set = (read.int64 != nullptr) + (read.uint64 != nullptr) + (read.real != nullptr) +
                      (read.boolean != nullptr) + (read.string != nullptr) +
                      (read.message != nullptr);
      EXPECT_EQ(set, 1) << fields.field(i)->full_name() << ": add it to event_accessors.cpp";
    }
  }
  EXPECT_EQ(fastRead(*event.FindFieldByName("type")).int64, nullptr) << "not reachable";
}

TEST(EventAccessorsTest, TypedReadsAgreeWithReflection) {
  for (v1::EventType type : ipc::allEventTypes()) {
    const FieldDescriptor& payload = payloadOf(type);
    v1::Event event;
    event.set_source("mod");
    expectSameRead(payload, event);  // the oneof unset: the default instance
    Message* body = event.GetReflection()->MutableMessage(&event, &payload);
    expectSameRead(*event.GetDescriptor()->FindFieldByName("source"), event);
    expectSameRead(payload, event);
    const auto& fields = *payload.message_type();
    for (int i = 0; i < fields.field_count(); ++i)
      expectSameRead(*fields.field(i), *body);  // defaults
    populate(*body);
    for (int i = 0; i < fields.field_count(); ++i)
      expectSameRead(*fields.field(i), *body);
  }
}

TEST(EventAccessorsTest, ADynamicEventMatchesAsTheGeneratedOne) {
  google::protobuf::DynamicMessageFactory factory;
  const char* filters[] = {"fee >= 1000 and size < 100000 and txid prefix \"ab\"",
                           "source == \"chainsim\" or fee == 0", "not txid contains \"cd\""};
  for (std::uint64_t fee : {0u, 999u, 1000u}) {
    v1::Event event;
    event.set_type(v1::EVENT_TYPE_NEW_TRANSACTION);
    event.set_source(fee == 0 ? "chainsim" : "other");
    event.mutable_new_transaction()->set_txid("abcd");
    event.mutable_new_transaction()->set_fee(fee);
    std::unique_ptr<Message> dynamic(factory.GetPrototype(v1::Event::descriptor())->New());
    ASSERT_TRUE(dynamic->ParseFromString(event.SerializeAsString()));
    for (const char* text : filters) {
      CompileResult result = compileEventFilter(text, v1::EVENT_TYPE_NEW_TRANSACTION);
      ASSERT_TRUE(result) << describe(result.error);
      EXPECT_EQ(result.filter->matches(*dynamic), result.filter->matches(event))
          << text << " on fee " << fee;
    }
  }
}

TEST(EventAccessorsTest, AnEventOfAnotherPoolMatchesNothing) {
  google::protobuf::FileDescriptorProto file;
  v1::Event::descriptor()->file()->CopyTo(&file);
  google::protobuf::DescriptorPool pool;
  ASSERT_NE(pool.BuildFile(file), nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> foreign(
      factory.GetPrototype(pool.FindMessageTypeByName("plexus.v1.Event"))->New());
  CompileResult result = compileEventFilter("fee == 0", v1::EVENT_TYPE_NEW_TRANSACTION);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result.filter->matches(*foreign)) << "same name, another descriptor";
}

}  // namespace
}  // namespace plexus::filter
