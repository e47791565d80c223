// filter_fuzz: the content-filter language (host/src/filter) from text to evaluation. The first
// byte picks what the filter compiles against - 0: the test proto (filter_test.proto, Envelope
// with the payload `kinds`, and Envelope alone); a valid EventType value: that type's
// v1::Event; any other byte: a type by its index - the rest is the filter's text. A filter
// that compiles must give the same answer twice, the same on a DynamicMessage copy (where every
// read goes through Reflection) as on the generated class (typed reads), and `not (text)` must
// give the opposite; an error must have a message and a column inside the text (or one past it).

#include <filter_test.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <plexus/v1/wire.pb.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "filter/filter.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"
#include "plexus/ipc/event_types.h"

namespace plexus::fuzz {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sets one value of `field` (appends one element when repeated); `seed` varies the values.
void setValue(Message& message, const FieldDescriptor& field, int seed) {
  const Reflection& r = *message.GetReflection();
  const bool many = field.is_repeated();
  const auto i = static_cast<std::int64_t>(seed) * 7919 - 3;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const auto v = static_cast<std::int32_t>(i);
      many ? r.AddInt32(&message, &field, v) : r.SetInt32(&message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64:
      many ? r.AddInt64(&message, &field, i * 1000003) : r.SetInt64(&message, &field, i * 1000003);
      break;
    case FieldDescriptor::CPPTYPE_UINT32: {
      const auto v = static_cast<std::uint32_t>(seed) * 2654435761u;
      many ? r.AddUInt32(&message, &field, v) : r.SetUInt32(&message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const auto v = static_cast<std::uint64_t>(seed) * 11400714819323198485u;
      many ? r.AddUInt64(&message, &field, v) : r.SetUInt64(&message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const float v = static_cast<float>(i) / 8;
      many ? r.AddFloat(&message, &field, v) : r.SetFloat(&message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v = static_cast<double>(i) / 16;
      many ? r.AddDouble(&message, &field, v) : r.SetDouble(&message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      many ? r.AddBool(&message, &field, seed % 2 == 1)
           : r.SetBool(&message, &field, seed % 2 == 1);
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto& type = *field.enum_type();
      const int v = type.value(seed % type.value_count())->number();
      many ? r.AddEnumValue(&message, &field, v) : r.SetEnumValue(&message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string v = std::string(1, static_cast<char>('a' + seed % 3)) + "b" +
                            std::to_string(seed) + (seed % 2 == 0 ? "x" : "");
      many ? r.AddString(&message, &field, v) : r.SetString(&message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;  // populate() recurses
  }
}

// Fills every field of `message`, repeated ones with two elements, nested messages `depth`
// levels deep; for a oneof, only `payload` (or none).
void populate(Message& message, int seed, int depth, const FieldDescriptor* payload) {
  const Descriptor& type = *message.GetDescriptor();
  const Reflection& r = *message.GetReflection();
  for (int f = 0; f < type.field_count(); ++f) {
    const FieldDescriptor& field = *type.field(f);
    if (field.containing_oneof() != nullptr && &field != payload) continue;
    const int count = field.is_repeated() ? 2 : 1;
    for (int k = 0; k < count; ++k) {
      const int s = seed + f * 3 + k;
      if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        setValue(message, field, s);
      } else if (depth > 0) {
        Message* child = field.is_repeated() ? r.AddMessage(&message, &field)
                                             : r.MutableMessage(&message, &field);
        populate(*child, s, depth - 1, nullptr);
      }
    }
  }
}

struct Subject {
  const Descriptor* root;
  const FieldDescriptor* payload;                  // null: paths resolve in the root
  std::vector<std::unique_ptr<Message>> messages;  // the generated class; each also dynamic
};

Subject subject(const Message& prototype, const FieldDescriptor* payload) {
  Subject out{prototype.GetDescriptor(), payload, {}};
  for (int seed : {-1, 0, 1, 6}) {  // -1: the payload unset; 0: the payload at its defaults
    std::unique_ptr<Message> message(prototype.New());
    if (payload != nullptr && seed >= 0)
      message->GetReflection()->MutableMessage(message.get(), payload);
    if (seed > 0) populate(*message, seed, 3, payload);
    out.messages.push_back(std::move(message));
  }
  return out;
}

std::vector<Subject> subjectsFor(std::uint8_t selector) {
  std::vector<Subject> subjects;
  if (selector == 0) {
    const Message& envelope = test::Envelope::default_instance();
    subjects.push_back(subject(envelope, test::Envelope::descriptor()->FindFieldByName("kinds")));
    subjects.push_back(subject(envelope, nullptr));
    return subjects;
  }
  const auto& types = ipc::allEventTypes();
  const v1::EventType type = ipc::isValidEventType(selector) ? static_cast<v1::EventType>(selector)
                                                             : types[selector % types.size()];
  Subject event =
      subject(v1::Event::default_instance(),
              v1::Event::descriptor()->FindFieldByNumber(ipc::payloadFieldNumber(type)));
  for (auto& message : event.messages) {
    static_cast<v1::Event&>(*message).set_type(type);
    static_cast<v1::Event&>(*message).set_source(message == event.messages.back() ? "mod-b" : "");
  }
  subjects.push_back(std::move(event));
  return subjects;
}

filter::CompileResult compile(std::string_view text, const Subject& s) {
  return s.root == v1::Event::descriptor() && s.payload != nullptr
             ? filter::compileEventFilter(text,
                                          static_cast<v1::EventType>(s.payload->number() - 100))
             : filter::compileFilter(text, *s.root, s.payload);
}

void checkError(const filter::FilterError& error, std::size_t size) {
  PLEXUS_FUZZ_CHECK(!error.message.empty(), "an error without a message");
  PLEXUS_FUZZ_CHECK(error.column >= 1 && error.column <= size + 1,
                    "error column " + std::to_string(error.column) + " outside a text of " +
                        std::to_string(size) + " bytes: " + error.message);
}

void run(std::string_view text, const Subject& s) {
  const filter::CompileResult result = compile(text, s);
  if (!result) {
    checkError(result.error, text.size());
    return;
  }
  const filter::Filter& f = *result.filter;
  PLEXUS_FUZZ_CHECK(f.text() == text, "text() is not the text compiled");
  const std::string negated = "not (" + std::string(text) + ")";
  const filter::CompileResult negation = compile(negated, s);
  if (!negation) {
    const std::string& why = negation.error.message;
    PLEXUS_FUZZ_CHECK(why.find("nesting deeper") != std::string::npos ||
                          why.find("longer than") != std::string::npos,
                      "'" + negated + "' does not compile: " + why);
  }
  google::protobuf::DynamicMessageFactory factory;
  for (const auto& message : s.messages) {
    const bool answer = f.matches(*message);
    PLEXUS_FUZZ_CHECK(f.matches(*message) == answer, "a second evaluation differs");
    std::unique_ptr<Message> dynamic(factory.GetPrototype(s.root)->New());
    dynamic->CopyFrom(*message);
    PLEXUS_FUZZ_CHECK(f.matches(*dynamic) == answer,
                      "reflection and typed reads differ on " + message->ShortDebugString());
    if (negation) {
      PLEXUS_FUZZ_CHECK(negation.filter->matches(*message) == !answer,
                        "'not' does not negate on " + message->ShortDebugString());
    }
  }
  PLEXUS_FUZZ_CHECK(!f.matches(v1::Envelope::default_instance()),
                    "a message of another type matched");
}

}  // namespace

int filter(const std::uint8_t* data, std::size_t size) {
  quietLogging();
  if (size == 0) return 0;
  // Built once per selector: the target runs one input at a time.
  static std::map<std::uint8_t, std::vector<Subject>> cache;
  auto it = cache.find(data[0]);
  if (it == cache.end()) it = cache.emplace(data[0], subjectsFor(data[0])).first;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (const Subject& s : it->second)
    run(text, s);
  return 0;
}

}  // namespace plexus::fuzz
