#pragma once

// How the compiled nodes read a field (compiled_nodes.cpp): a Path walks from a scope through
// singular message fields to its leaf, and a getter per C++ type reads the leaf - the generated
// accessor when the root is its generated class and event_accessors.h has one, else Reflection
// (the generated class's, cached here, or the message's own for a DynamicMessage).

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "filter/compiled_nodes.h"
#include "filter/event_accessors.h"

namespace plexus::filter {

// The Reflection of `type`'s generated C++ class, or null when it has none.
const google::protobuf::Reflection* generatedReflection(const google::protobuf::Descriptor& type);

// A FieldPath with what makes reading it cheap, resolved once.
class Path {
 public:
  explicit Path(const FieldPath& path);

  // The message holding the leaf.
  const google::protobuf::Message& holder(const Context& context) const {
    const google::protobuf::Message* message = context.scopes[m_scope].message;
    for (const Step& step : m_steps) {
      if (!context.generated) {
        message = &message->GetReflection()->GetMessage(*message, step.field);
      } else if (step.fast != nullptr) {
        message = &step.fast(*message);
      } else {
        message = &step.reflection->GetMessage(*message, step.field);
      }
    }
    return *message;
  }

  // Reads the leaf with `Get` (below) and hands the value to `predicate`.
  template <class Get, class Predicate>
  bool test(const Context& context, const Predicate& predicate) const {
    const google::protobuf::Message& message = holder(context);
    const auto fast = m_fast.*Get::kFast;
    if (context.generated && fast != nullptr) return predicate(fast(message));
    const google::protobuf::Reflection& reflection =
        context.generated ? *m_reflection : *message.GetReflection();
    if constexpr (std::is_same_v<typename Get::Domain, std::string>) {
      std::string scratch;  // only messages that do not hold a std::string use it
      return m_element ? predicate(Get::at(reflection, message, m_leaf,
                                           context.scopes[m_scope].index, scratch))
                       : predicate(Get::one(reflection, message, m_leaf, scratch));
    } else {
      return m_element
                 ? predicate(Get::at(reflection, message, m_leaf, context.scopes[m_scope].index))
                 : predicate(Get::one(reflection, message, m_leaf));
    }
  }

  const google::protobuf::FieldDescriptor* leaf() const { return m_leaf; }
  // The holder's Reflection: the cached one for a generated root.
  const google::protobuf::Reflection& reflection(const Context& context,
                                                 const google::protobuf::Message& holder) const {
    return context.generated ? *m_reflection : *holder.GetReflection();
  }

 private:
  struct Step {
    const google::protobuf::FieldDescriptor* field;
    const google::protobuf::Reflection* reflection;  // of the message the step reads from
    const google::protobuf::Message& (*fast)(const google::protobuf::Message&);
  };

  std::size_t m_scope;
  std::vector<Step> m_steps;
  const google::protobuf::FieldDescriptor* m_leaf;
  bool m_element;
  const google::protobuf::Reflection* m_reflection;  // the holder's generated class's
  FastRead m_fast;                                   // singular leaves only
};

// ---- getters: one per C++ type, reading a singular field or one element ----

#define PLEXUS_FILTER_GETTER(Name, DomainType, Getter, FastMember)                               \
  struct Name {                                                                                  \
    using Domain = DomainType;                                                                   \
    static constexpr auto kFast = &FastRead::FastMember;                                         \
    static Domain one(const google::protobuf::Reflection& r, const google::protobuf::Message& m, \
                      const google::protobuf::FieldDescriptor* f) {                              \
      return r.Get##Getter(m, f);                                                                \
    }                                                                                            \
    static Domain at(const google::protobuf::Reflection& r, const google::protobuf::Message& m,  \
                     const google::protobuf::FieldDescriptor* f, int index) {                    \
      return r.GetRepeated##Getter(m, f, index);                                                 \
    }                                                                                            \
  };

PLEXUS_FILTER_GETTER(GetInt32, std::int64_t, Int32, int64)
PLEXUS_FILTER_GETTER(GetInt64, std::int64_t, Int64, int64)
PLEXUS_FILTER_GETTER(GetUInt32, std::uint64_t, UInt32, uint64)
PLEXUS_FILTER_GETTER(GetUInt64, std::uint64_t, UInt64, uint64)
PLEXUS_FILTER_GETTER(GetFloat, double, Float, real)
PLEXUS_FILTER_GETTER(GetDouble, double, Double, real)
PLEXUS_FILTER_GETTER(GetBool, bool, Bool, boolean)
PLEXUS_FILTER_GETTER(GetEnum, std::int64_t, EnumValue, int64)
#undef PLEXUS_FILTER_GETTER

// Strings by reference: `scratch` is used only by messages that do not store a std::string.
struct GetString {
  using Domain = std::string;
  static constexpr auto kFast = &FastRead::string;
  static const std::string& one(const google::protobuf::Reflection& r,
                                const google::protobuf::Message& m,
                                const google::protobuf::FieldDescriptor* f, std::string& scratch) {
    return r.GetStringReference(m, f, &scratch);
  }
  static const std::string& at(const google::protobuf::Reflection& r,
                               const google::protobuf::Message& m,
                               const google::protobuf::FieldDescriptor* f, int index,
                               std::string& scratch) {
    return r.GetRepeatedStringReference(m, f, index, &scratch);
  }
};

}  // namespace plexus::filter
